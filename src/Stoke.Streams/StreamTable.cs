using System.Collections.Concurrent;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Tensors;

namespace Stoke.Streams;

/// <summary>
/// The open streams of one node and the recently ended ones. A chunk for an id it never had is a 404; for a stream
/// that was closed, expired or lost with its instance, a 410 that says which. Idle streams expire on a timer of the
/// node's <see cref="TimeProvider"/> and also when a chunk finds them past their time, so expiry does not depend on
/// the timer's period. <see cref="Ended"/> is raised once per stream, however it ends.
/// </summary>
public sealed class StreamTable : IDisposable
{
    private readonly ConcurrentDictionary<string, StreamSession> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _endedOrder = new();
    private readonly TimeProvider _time;
    private readonly int _endedCapacity;
    private readonly ITimer _sweeper;

    /// <param name="sweepInterval">How often idle streams are looked for.</param>
    /// <param name="endedCapacity">Ended streams remembered for their 410 (oldest forgotten first; then 404).</param>
    public StreamTable(TimeProvider time, TimeSpan sweepInterval, int endedCapacity = 100_000)
    {
        _time = time;
        _endedCapacity = endedCapacity;
        _sweeper = time.CreateTimer(_ => Sweep(), null, sweepInterval, sweepInterval);
    }

    /// <summary>A stream ended (closed, expired, its instance stopped), with the reason; raised once per stream.</summary>
    public event Action<StreamSession, string>? Ended;

    public int Count => _open.Count;

    public int OpenOn(string instanceId) => _open.Values.Count(s => s.InstanceId == instanceId);

    public StreamSession Open(string id, string functionKey, int version, string instanceId, Tensor[] states, int contextLength, TimeSpan idleTimeout)
    {
        var session = new StreamSession(id, functionKey, version, instanceId, states, contextLength, idleTimeout, _time.GetUtcNow());
        _open[id] = session;
        return session;
    }

    /// <summary>The open stream, or a 404 (unknown, or another function's) or 410 (ended, with why).</summary>
    public StreamSession Get(string id, string functionKey)
    {
        if (_open.TryGetValue(id, out var session) && session.FunctionKey == functionKey)
        {
            if (!IsIdle(session, _time.GetUtcNow()))
            {
                return session;
            }

            End(session, ExpiredReason(session));
        }

        if (_ended.TryGetValue(id, out var reason))
        {
            throw new StokeException(StokeErrorKind.Gone, $"Stream {id} has ended: {reason}.");
        }

        throw new StokeException(StokeErrorKind.NotFound, $"No stream {id} on {functionKey}.");
    }

    /// <summary>Closes a stream at its client's request; the same errors as <see cref="Get"/>.</summary>
    public StreamSession Close(string id, string functionKey)
    {
        var session = Get(id, functionKey);
        End(session, "closed by its client");
        return session;
    }

    /// <summary>Ends every stream held by an instance that is going away.</summary>
    public void EndAll(string instanceId, string reason)
    {
        foreach (var session in _open.Values.Where(s => s.InstanceId == instanceId).ToList())
        {
            End(session, reason);
        }
    }

    /// <summary>Ends the streams idle past their timeout (a stream with a chunk in flight is not idle); returns how many.</summary>
    public int Sweep()
    {
        var now = _time.GetUtcNow();
        var expired = _open.Values.Where(s => IsIdle(s, now)).ToList();
        foreach (var session in expired)
        {
            End(session, ExpiredReason(session));
        }

        return expired.Count;
    }

    public void End(StreamSession session, string reason)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!_open.TryRemove(session.Id, out _))
        {
            return;
        }

        _ended[session.Id] = reason;
        _endedOrder.Enqueue(session.Id);
        while (_ended.Count > _endedCapacity && _endedOrder.TryDequeue(out var oldest))
        {
            _ended.TryRemove(oldest, out _);
        }

        Ended?.Invoke(session, reason);
    }

    private bool IsIdle(StreamSession s, DateTimeOffset now) =>
        !s.Busy && now - s.LastActivity >= s.IdleTimeout;

    private static string ExpiredReason(StreamSession s) => $"expired after {s.IdleTimeout.TotalSeconds:0.###} s without a chunk";

    public void Dispose() => _sweeper.Dispose();
}
