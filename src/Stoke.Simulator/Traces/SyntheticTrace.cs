namespace Stoke.Simulator.Traces;

/// <summary>
/// A synthetic workload for scale tests: Poisson arrivals over a period, spread over functions with Zipf
/// popularity (a few hot functions, a long idle tail, as in production FaaS traces).
/// </summary>
public static class SyntheticTrace
{
    public static IEnumerable<TraceRequest> Generate(int functions, long requests, TimeSpan period, int seed = 1, double zipf = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(functions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        var rng = new Random(seed);
        var names = new string[functions];
        var cumulative = new double[functions];
        var execMean = new double[functions];
        var total = 0.0;
        for (var i = 0; i < functions; i++)
        {
            names[i] = $"fn-{i:D4}";
            total += 1 / Math.Pow(i + 1, zipf);
            cumulative[i] = total;
            execMean[i] = Math.Exp(Math.Log(0.2) + Sampling.Normal(rng)); // median 200 ms, heavy tail
        }

        var meanGap = period.TotalSeconds / requests;
        var t = 0.0;
        for (long n = 0; n < requests; n++)
        {
            t += Sampling.Exponential(rng, meanGap);
            var pick = rng.NextDouble() * total;
            var index = Math.Min(FirstAtLeast(cumulative, pick), functions - 1);
            var exec = Sampling.Exponential(rng, execMean[index]);
            yield return new TraceRequest(DateTimeOffset.UnixEpoch.AddTicks((long)(t * TimeSpan.TicksPerSecond)), names[index], TimeSpan.FromSeconds(exec));
        }
    }

    // The first position whose cumulative weight reaches `pick` (what Array.BinarySearch finds, without its comparer).
    private static int FirstAtLeast(double[] cumulative, double pick)
    {
        int lo = 0, hi = cumulative.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cumulative[mid] < pick)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
