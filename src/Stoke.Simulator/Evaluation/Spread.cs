using System.Globalization;

namespace Stoke.Simulator.Evaluation;

/// <summary>A metric over seeds: its mean and range.</summary>
public readonly record struct Spread(double Mean, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? new(double.NaN, double.NaN, double.NaN) : new(list.Average(), list.Min(), list.Max());
    }

    /// <summary>Max minus min: the noise a single seed's figure carries.</summary>
    public double Range => Max - Min;

    public string Format(string format) => Min == Max
        ? Mean.ToString(format, CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Mean.ToString(format, CultureInfo.InvariantCulture)} [{Min.ToString(format, CultureInfo.InvariantCulture)}-{Max.ToString(format, CultureInfo.InvariantCulture)}]");
}

/// <summary>How a policy did against its baseline on one slice.</summary>
public enum Verdict
{
    Win,
    Tie,
    Loss,
}
