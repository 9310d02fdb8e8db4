namespace Stoke.Control.Controller;

/// <summary>The median of a function's recent cold starts: the autoscaler's load time and the Retry-After hint.</summary>
internal sealed class LoadTimes
{
    private const int Capacity = 15;
    private readonly long[] _recent = new long[Capacity];
    private readonly long[] _sorted = new long[Capacity]; // ticks: a primitive sort, not a comparer call per pair
    private int _count;
    private int _next;

    public TimeSpan Median { get; private set; }

    public void Add(TimeSpan loadTime)
    {
        _recent[_next] = loadTime.Ticks;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
        Array.Copy(_recent, _sorted, _count);
        Array.Sort(_sorted, 0, _count);
        Median = TimeSpan.FromTicks(_sorted[_count / 2]);
    }
}
