using Stoke.Abstractions.Tensors;

namespace Stoke.Abstractions.Functions;

/// <summary>
/// One immutable version of a deployed function: the artifact, its engine and signature, and its policies.
/// A new deploy of the same name is a new version; the spec of an existing version never changes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FunctionSpec
{
    [Id(0)] public required string Tenant { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required int Version { get; init; }
    /// <summary>Engine that runs the artifact: <c>onnx</c> or <c>llama</c>.</summary>
    [Id(3)] public required string Engine { get; init; }
    [Id(4)] public required ArtifactRef Artifact { get; init; }
    [Id(5)] public required ModelSignature Signature { get; init; }
    [Id(6)] public BatchingOptions Batching { get; init; } = new();
    [Id(7)] public ScalingOptions Scaling { get; init; } = new();
    /// <summary>Memory one instance is expected to hold; placement and the node budget count this.</summary>
    [Id(8)] public long InstanceMemoryBytes { get; init; }
    /// <summary>Latency objective for one request, used by SLO-aware policies and reported as attainment.</summary>
    [Id(9)] public TimeSpan? Slo { get; init; }
    [Id(10)] public Dictionary<string, string> Labels { get; init; } = [];
    [Id(11)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Price per 1K input / output tokens and per GB-second, for cost per request.</summary>
    [Id(12)] public Pricing Pricing { get; init; } = new();
    /// <summary>Tokenizer of a text-embedding function (e.g. a BERT <c>vocab.txt</c>), stored content-addressed like the model; null for others.</summary>
    [Id(13)] public TokenizerRef? Tokenizer { get; init; }
    /// <summary>Settings of a generative (<c>llama</c>) function; ignored by other engines.</summary>
    [Id(14)] public GenerationOptions Generation { get; init; } = new();
    /// <summary>Routing policy by name (see <see cref="PolicyNames"/>): which ready instance a request goes to.</summary>
    [Id(15)] public string Routing { get; init; } = PolicyNames.LeastRequests;
    /// <summary>Stream settings of a stateful function (state tensors kept per stream on one instance); null for stateless ones.</summary>
    [Id(16)] public StreamOptions? Stream { get; init; }
    /// <summary>
    /// The validated spec of a pipeline function (engine <c>pipeline</c>, see docs/pipelines.md) as JSON, its files
    /// inline; null for a model function.
    /// </summary>
    [Id(17)] public string? Pipeline { get; init; }
    /// <summary>
    /// Set on a function a pipeline deployed for itself (a composite of its steps, docs/pipelines.md "Fusion"): the
    /// pipeline it belongs to and what it was built from; null for a function a user deployed.
    /// </summary>
    [Id(18)] public DerivedFrom? Derived { get; init; }

    /// <summary>The key a function is known by in the cluster: tenant and name.</summary>
    public string Key => FunctionKey.Of(Tenant, Name);

    /// <summary>The engine name of a pipeline function: its steps run on other functions' instances, it has none of its own.</summary>
    public const string PipelineEngine = "pipeline";
}

/// <summary>Builds and splits the cluster-wide key of a function.</summary>
public static class FunctionKey
{
    public static string Of(string tenant, string name) => tenant + "/" + name;
}

/// <summary>The pipeline a derived function belongs to (it is deleted with it) and the pinned steps it was built from.</summary>
[GenerateSerializer, Immutable]
public sealed record DerivedFrom(
    [property: Id(0)] string Pipeline,
    [property: Id(1)] string Sources);

/// <summary>A model artifact, addressed by the SHA-256 of its bytes.</summary>
[GenerateSerializer, Immutable]
public sealed record ArtifactRef(
    [property: Id(0)] string Sha256,
    [property: Id(1)] long SizeBytes,
    [property: Id(2)] string FileName);

/// <summary>A tokenizer artifact: its kind (<c>bert</c>: a WordPiece vocab.txt) and its bytes' reference.</summary>
[GenerateSerializer, Immutable]
public sealed record TokenizerRef(
    [property: Id(0)] string Kind,
    [property: Id(1)] ArtifactRef Artifact);

/// <summary>How a generative instance batches sequences.</summary>
[GenerateSerializer, Immutable]
public sealed record GenerationOptions
{
    /// <summary>Sequences one instance decodes together (continuous batching); 1 serves one request at a time.</summary>
    [Id(0)] public int MaxSequences { get; init; } = 8;
    /// <summary>Longest prompt plus output of one request; 0 uses the model's trained context.</summary>
    [Id(1)] public int ContextWindow { get; init; }
}

/// <summary>How an instance merges requests into batches.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchingOptions
{
    /// <summary>Batching policy by name (see <see cref="PolicyNames"/>).</summary>
    [Id(0)] public string Policy { get; init; } = PolicyNames.FixedBatching;
    /// <summary>Largest batch one engine call takes; 1 turns batching off.</summary>
    [Id(1)] public int MaxBatchSize { get; init; } = 8;
    /// <summary>Longest a request waits for others to join its batch.</summary>
    [Id(2)] public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(2);
}

/// <summary>How many instances a function runs and for how long they stay.</summary>
[GenerateSerializer, Immutable]
public sealed record ScalingOptions
{
    [Id(0)] public string Autoscaler { get; init; } = PolicyNames.Kpa;
    [Id(1)] public string KeepAlive { get; init; } = PolicyNames.FixedKeepAlive;
    [Id(2)] public int MinInstances { get; init; }
    [Id(3)] public int MaxInstances { get; init; } = 4;
    /// <summary>Requests in flight one instance should carry (Knative's container concurrency target).</summary>
    [Id(4)] public double TargetConcurrency { get; init; } = 8;
    /// <summary>Idle time after which an instance is released (the fixed keep-alive's TTL).</summary>
    [Id(5)] public TimeSpan KeepAliveTtl { get; init; } = TimeSpan.FromMinutes(5);
    [Id(6)] public TimeSpan StableWindow { get; init; } = TimeSpan.FromSeconds(60);
    [Id(7)] public TimeSpan PanicWindow { get; init; } = TimeSpan.FromSeconds(6);
    /// <summary>Panic when the panic window wants this many times the ready instances.</summary>
    [Id(8)] public double PanicThreshold { get; init; } = 2.0;
    /// <summary>Requests the activator holds for this function while no instance can take them.</summary>
    [Id(9)] public int MaxQueuedRequests { get; init; } = 256;
    /// <summary>Deadline given to a request that names none.</summary>
    [Id(10)] public TimeSpan DefaultDeadline { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Requests one instance takes at once (Knative's container concurrency); beyond it the instance is saturated and
    /// requests wait in the function's controller for a free slot or a new instance. 0 for no limit: the instance's
    /// batch queue absorbs bursts, and the autoscaler alone adds instances.
    /// </summary>
    [Id(11)] public int InstanceConcurrency { get; init; }
    /// <summary>A candidate autoscaler run beside the live one on the same signals, deciding nothing (null: none).</summary>
    [Id(12)] public string? ShadowAutoscaler { get; init; }
    /// <summary>A candidate keep-alive policy run beside the live one, deciding nothing (null: none).</summary>
    [Id(13)] public string? ShadowKeepAlive { get; init; }
}

/// <summary>Prices that turn usage into cost.</summary>
[GenerateSerializer, Immutable]
public sealed record Pricing
{
    [Id(0)] public decimal PerGbSecond { get; init; } = 0.0000166667m;
    [Id(1)] public decimal PerThousandInputTokens { get; init; }
    [Id(2)] public decimal PerThousandOutputTokens { get; init; }
}

/// <summary>Names of the built-in policies, as used in specs, configuration and the simulator.</summary>
public static class PolicyNames
{
    public const string FixedBatching = "fixed";
    public const string SloAdaptiveBatching = "slo-adaptive";
    public const string Kpa = "kpa";
    public const string Predictive = "predictive";
    public const string GuardedPredictive = "guarded-predictive";
    public const string FixedKeepAlive = "fixed";
    public const string HybridHistogram = "hybrid-histogram";
    public const string LongShortHistogram = "long-short-histogram";
    public const string SurvivalKeepAlive = "survival-ttl";
    public const string FirstFit = "first-fit";
    public const string BestFit = "best-fit";
    public const string LocalityAware = "locality";
    public const string EnergyAware = "energy-aware";
    public const string LruEviction = "lru";
    public const string CostAwareEviction = "cost-aware";
    public const string LeastRequests = "least-requests";
    public const string PowerOfTwoChoices = "power-of-two";
    public const string LocalFirst = "local-first";
    public const string Affinity = "affinity";
    public const string BinPack = "bin-pack";
}
