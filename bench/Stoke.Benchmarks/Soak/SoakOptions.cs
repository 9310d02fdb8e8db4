namespace Stoke.Benchmarks.Soak;

/// <summary>The soak's load: how long, how many concurrent clients of each kind, how often the node is sampled.</summary>
internal sealed record SoakOptions
{
    /// <summary>Length of the mixed load after the warm-up.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Load runs but samples are not judged: caches, pools and the thread pool fill in this time.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the node's RSS, descriptors and threads are read.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clients sending OIP v2 tensors (ResNet-18 in the binary extension, MiniLM as JSON), one request at a time each.</summary>
    public int TensorClients { get; init; } = 2;

    /// <summary>Clients sending <c>/v1/embeddings</c> to MiniLM.</summary>
    public int EmbeddingClients { get; init; } = 2;

    /// <summary>Clients sending <c>/v1/chat/completions</c> to stories260K (every other one streamed).</summary>
    public int ChatClients { get; init; } = 2;

    /// <summary>Loops deploying a new function, calling it once (a cold start) and deleting it.</summary>
    public int ChurnClients { get; init; } = 1;

    /// <summary>Pause of each client between its requests (the churn loops pause ten times as long).</summary>
    public TimeSpan Think { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every this often, a burst of concurrent requests to a function with one slot and one held place: it must refuse with 503 and <c>Retry-After</c>.</summary>
    public TimeSpan RefusalBurstEvery { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Requests in each refusal burst.</summary>
    public int RefusalBurstSize { get; init; } = 6;

    /// <summary>The stories260K GGUF (../shared/models/llm/stories260K.gguf).</summary>
    public required string LlmPath { get; init; }

    /// <summary>Progress lines (deploys, samples); null for none.</summary>
    public Action<string>? Log { get; init; }
}
