namespace Stoke.Control.Controller;

/// <summary>The median of a function's recent cold starts: the autoscaler's load time and the Retry-After hint.</summary>
internal sealed class LoadTimes
{
    private const int Capacity = 15;
    private readonly TimeSpan[] _recent = new TimeSpan[Capacity];
    private readonly TimeSpan[] _sorted = new TimeSpan[Capacity];
    private int _count;
    private int _next;

    public TimeSpan Median { get; private set; }

    public void Add(TimeSpan loadTime)
    {
        _recent[_next] = loadTime;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
        Array.Copy(_recent, _sorted, _count);
        Array.Sort(_sorted, 0, _count);
        Median = _sorted[_count / 2];
    }
}
