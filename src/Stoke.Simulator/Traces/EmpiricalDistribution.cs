namespace Stoke.Simulator.Traces;

/// <summary>Samples (seconds) drawn uniformly: a measured distribution such as model-load latency.</summary>
public sealed class EmpiricalDistribution
{
    private readonly double[] _sorted;

    public EmpiricalDistribution(IEnumerable<double> seconds)
    {
        _sorted = [.. seconds.Order()];
        if (_sorted.Length == 0)
        {
            throw new ArgumentException("A distribution needs at least one sample.", nameof(seconds));
        }
    }

    /// <summary>A distribution that always gives <paramref name="value"/>.</summary>
    public static EmpiricalDistribution Constant(TimeSpan value) => new([value.TotalSeconds]);

    public TimeSpan Median => TimeSpan.FromSeconds(_sorted[_sorted.Length / 2]);

    public int Count => _sorted.Length;

    public TimeSpan Sample(Random rng) => TimeSpan.FromSeconds(_sorted[rng.Next(_sorted.Length)]);
}
