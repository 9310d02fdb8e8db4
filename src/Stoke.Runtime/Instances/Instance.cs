using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;

namespace Stoke.Runtime.Instances;

/// <summary>One loaded copy of a function version on this node: its session, its batcher and its counters.</summary>
internal sealed class Instance(string id, FunctionSpec spec, long memoryBytes, DateTimeOffset createdAt)
{
    private readonly Lock _gate = new();
    private int _inFlight;
    private long _uses;
    private bool _stopped;

    public string Id { get; } = id;
    public FunctionSpec Spec { get; } = spec;
    public long MemoryBytes { get; } = memoryBytes;
    public volatile InstancePhase Phase = InstancePhase.Loading;
    public IModelSession? Session { get; set; }
    public InstanceBatcher? Batcher { get; set; }
    /// <summary>The step loop of a stateful function's streams (one with stream settings); null for others.</summary>
    public Streams.StreamStepBatcher? Streams { get; set; }
    /// <summary>Tokenises and pools for an embedding function (one deployed with its vocab); null for others.</summary>
    public Engines.Onnx.Embeddings.SentenceEmbedder? Embedder { get; set; }
    public ColdStartReport? ColdStart { get; set; }
    public DateTimeOffset LastUsed { get; set; } = createdAt;
    public int InFlight => Volatile.Read(ref _inFlight);
    public long Uses => Interlocked.Read(ref _uses);

    /// <summary>
    /// The load is done: unless the instance was stopped meanwhile, <paramref name="complete"/> attaches its parts and it
    /// becomes Ready, at once for any stop that comes after. False when a stop came first: the loader then owns the
    /// session and the memory, and frees them.
    /// </summary>
    public bool TryBecomeReady(Action complete)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }

            complete();
            Phase = InstancePhase.Ready;
            return true;
        }
    }

    /// <summary>Marks the instance stopped; true when it was still loading (its loader frees it when the load returns).</summary>
    public bool Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            if (Phase == InstancePhase.Loading)
            {
                return true;
            }

            Phase = InstancePhase.Draining;
            return false;
        }
    }

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave(DateTimeOffset now)
    {
        Interlocked.Increment(ref _uses);
        Interlocked.Decrement(ref _inFlight);
        LastUsed = now;
    }

    public Abstractions.Routing.InstanceLoad Load() => new(Id, Phase == InstancePhase.Ready, InFlight, Batcher?.QueueDepth ?? 0, Uses, LastUsed);

    public InstanceSnapshot Snapshot(string nodeId) => new(
        Id, Spec.Key, Spec.Version, nodeId, Phase, InFlight, Batcher?.QueueDepth ?? 0, MemoryBytes, LastUsed, Uses, ColdStart)
    {
        Generation = (Session as IGenerativeSession)?.State,
    };
}
