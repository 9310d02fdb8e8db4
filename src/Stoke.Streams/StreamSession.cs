using Stoke.Abstractions.Tensors;

namespace Stoke.Streams;

/// <summary>
/// One open stream on the instance that holds it: its state tensors (one row on each batch axis), the context
/// carried from its previous window, and when it was last used. A stream takes one chunk at a time, in order.
/// </summary>
public sealed class StreamSession
{
    private int _busy;

    internal StreamSession(string id, string functionKey, int version, string instanceId, Tensor[] states, int contextLength, TimeSpan idleTimeout, DateTimeOffset openedAt)
    {
        Id = id;
        FunctionKey = functionKey;
        Version = version;
        InstanceId = instanceId;
        States = states;
        Context = new float[contextLength];
        IdleTimeout = idleTimeout;
        OpenedAt = openedAt;
        LastActivity = openedAt;
    }

    public string Id { get; }

    public string FunctionKey { get; }

    public int Version { get; }

    /// <summary>The instance whose node holds the state and runs the stream's steps.</summary>
    public string InstanceId { get; }

    public DateTimeOffset OpenedAt { get; }

    /// <summary>The stream ends when it has had no chunk for this long.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>Chunks answered so far.</summary>
    public long Chunks { get; internal set; }

    internal Tensor[] States { get; set; }

    internal float[] Context { get; set; }

    internal DateTimeOffset LastActivity { get; set; }

    /// <summary>Takes the stream for one chunk; false when a chunk of it is already in flight.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Exit(DateTimeOffset now)
    {
        LastActivity = now;
        Volatile.Write(ref _busy, 0);
    }

    internal bool Busy => Volatile.Read(ref _busy) == 1;
}
