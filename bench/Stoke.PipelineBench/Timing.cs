using System.Diagnostics;

/// <summary>The load shapes and the statistic the pipeline benchmarks share.</summary>
internal static class Timing
{
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    public static async Task<(double A, double B, double Difference)> Paired(Func<Task> a, Func<Task> b, int n)
    {
        var ta = new List<double>();
        var tb = new List<double>();
        var diff = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await a();
            ta.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            t = Stopwatch.GetTimestamp();
            await b();
            tb.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            diff.Add(tb[^1] - ta[^1]);
        }

        return (Median(ta), Median(tb), Median(diff));
    }

    /// <summary>Three paths alternated call by call; the medians of b - a and c - b.</summary>
    public static async Task<(double BMinusA, double CMinusB)> Triple(Func<Task> a, Func<Task> b, Func<Task> c, int n)
    {
        var ba = new List<double>();
        var cb = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await a();
            var t1 = Stopwatch.GetTimestamp();
            await b();
            var t2 = Stopwatch.GetTimestamp();
            await c();
            var t3 = Stopwatch.GetTimestamp();
            ba.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds - Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            cb.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds - Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        }

        return (Median(ba), Median(cb));
    }

    public static async Task<double> Sequential(Func<Task> call, int n)
    {
        var times = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await call();
            times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    public static async Task<double> Concurrent(Func<Task> call, int n, int clients)
    {
        var t = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ => { for (var i = 0; i < n; i++) { await call(); } }));
        return n * clients / Stopwatch.GetElapsedTime(t).TotalSeconds;
    }
}
