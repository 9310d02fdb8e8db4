using System.Collections.Concurrent;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> over another (the system clock by default) that counts the timers created through it,
/// those still alive, and each timer callback that fires, by the type that created the callback (a lambda's closure
/// is named after its outer type: <c>FunctionGrain</c>, <c>ClusterView</c>). Given to a real node, it shows which
/// timers run while nothing happens: the evidence for "no timer firing per idle function".
/// </summary>
public sealed class CountingTimeProvider(TimeProvider? inner = null) : TimeProvider
{
    private readonly TimeProvider _inner = inner ?? System;
    private readonly ConcurrentDictionary<string, long> _fired = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _live = new(StringComparer.Ordinal);
    private long _created;

    /// <summary>Timers created through this provider since it was made (a <c>Task.Delay</c> or <c>WaitAsync</c> timeout is one).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Timers created and not yet disposed, by owner.</summary>
    public IReadOnlyDictionary<string, long> Live => Snapshot(_live);

    /// <summary>Timer callbacks run so far, by owner.</summary>
    public IReadOnlyDictionary<string, long> Fired => Snapshot(_fired);

    /// <summary>Timer callbacks run so far, all owners.</summary>
    public long FiredTotal => _fired.Values.Sum();

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var owner = OwnerOf(callback);
        Interlocked.Increment(ref _created);
        _live.AddOrUpdate(owner, 1, (_, n) => n + 1);
        var timer = _inner.CreateTimer(
            s =>
            {
                _fired.AddOrUpdate(owner, 1, (_, n) => n + 1);
                callback(s);
            },
            state,
            dueTime,
            period);
        return new Counted(timer, () => _live.AddOrUpdate(owner, 0, (_, n) => n - 1));
    }

    /// <summary>The outer type that made the callback: <c>Stoke.Runtime.Grains.FunctionGrain</c> for a lambda in it.</summary>
    public static string OwnerOf(Delegate callback)
    {
        var type = callback.Method.DeclaringType;
        while (type?.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type?.FullName ?? "?";
    }

    private static Dictionary<string, long> Snapshot(ConcurrentDictionary<string, long> counts) =>
        counts.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private sealed class Counted(ITimer timer, Action disposed) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                disposed();
            }

            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                disposed();
            }

            return timer.DisposeAsync();
        }
    }
}
