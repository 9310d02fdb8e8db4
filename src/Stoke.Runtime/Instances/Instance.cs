using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;

namespace Stoke.Runtime.Instances;

/// <summary>One loaded copy of a function version on this node: its session, its batcher and its counters.</summary>
internal sealed class Instance(string id, FunctionSpec spec, long memoryBytes, DateTimeOffset createdAt)
{
    private int _inFlight;
    private long _uses;

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
