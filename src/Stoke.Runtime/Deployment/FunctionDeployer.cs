using System.Text.RegularExpressions;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;
using Stoke.Runtime.Artifacts;

namespace Stoke.Runtime.Deployment;

/// <summary>What a user asks for when deploying: the model bytes and the function's settings.</summary>
public sealed record DeployRequest
{
    public required string Tenant { get; init; }
    public required string Name { get; init; }
    public required byte[] Artifact { get; init; }
    public string FileName { get; init; } = "model.onnx";
    public string Engine { get; init; } = "onnx";
    public BatchingOptions Batching { get; init; } = new();
    public ScalingOptions Scaling { get; init; } = new();
    /// <summary>Memory one instance holds; 0 estimates it from the artifact size.</summary>
    public long InstanceMemoryBytes { get; init; }
    public TimeSpan? Slo { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Pricing Pricing { get; init; } = new();
    /// <summary>Tokenizer file of a text-embedding function (e.g. BERT's vocab.txt), stored content-addressed beside the model.</summary>
    public byte[]? Tokenizer { get; init; }
    /// <summary>Kind of <see cref="Tokenizer"/>: <c>bert</c> (a WordPiece vocab.txt).</summary>
    public string TokenizerKind { get; init; } = "bert";
    public GenerationOptions Generation { get; init; } = new();
    /// <summary>Routing policy by name.</summary>
    public string Routing { get; init; } = PolicyNames.LeastRequests;
    /// <summary>Stream settings of a stateful function; null for a stateless one.</summary>
    public StreamOptions? Stream { get; init; }
    /// <summary>The pipeline that deploys this function for itself (a composite of its steps); null for a user's.</summary>
    public DerivedFrom? Derived { get; init; }
}

/// <summary>
/// Deploys a function: checks the name and policies, loads the model once to prove it is valid and to read its
/// signature, stores the artifact, then registers the new version. A failure at any step registers nothing.
/// </summary>
public sealed partial class FunctionDeployer(
    NodeHost node, IPolicyCatalog policies, IGrainFactory grains, Cluster.ClusterView cluster, Microsoft.Extensions.Options.IOptions<Hosting.StokeNodeOptions> options,
    TimeProvider time, Microsoft.Extensions.Logging.ILogger<FunctionDeployer> logger)
{
    /// <summary>How long a deploy waits for one peer to copy the artifact into its repository.</summary>
    public static readonly TimeSpan ReplicationTimeout = TimeSpan.FromSeconds(60);

    // Functions live in URLs and grain keys: keep names to a safe alphabet.
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();

    private readonly ValidatedModels _validated = new();

    // The model loaded once to prove it valid and read its signature, unless this node has proven these bytes already.
    private async Task<Abstractions.Tensors.ModelSignature> SignatureOfAsync(IInferenceEngine engine, DeployRequest request, string sha256, CancellationToken cancellationToken)
    {
        if (_validated.TryGet(engine.Name, sha256, out var known))
        {
            return known;
        }

        try
        {
            var session = await Task.Run(() => engine.Load(request.Artifact, new EngineLoadOptions { MaxSequences = 1 }), cancellationToken);
            var signature = session.Signature;
            if (session is IGenerativeSession generative)
            {
                await generative.DisposeAsync();
            }
            else
            {
                session.Dispose();
            }

            _validated.Add(engine.Name, sha256, signature);
            return signature;
        }
        catch (InvalidModelException ex)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"'{request.FileName}' is not a valid {engine.Name} model: {ex.Message}");
        }
    }

    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Invalid function name '{name}': use 1-63 of a-z, 0-9, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    public async Task<FunctionSpec> DeployAsync(DeployRequest request, CancellationToken cancellationToken)
    {
        ValidateName(request.Name);
        if (request.Artifact.Length == 0)
        {
            throw new StokeException(StokeErrorKind.BadRequest, "The model file is empty.");
        }

        if (await grains.GetGrain<IFunctionRegistryGrain>(request.Tenant).Get(request.Name, null) is { Engine: FunctionSpec.PipelineEngine })
        {
            throw new StokeException(StokeErrorKind.Conflict, $"'{request.Name}' is a pipeline; a model function needs a name of its own.");
        }

        var engine = node.Engine(request.Engine);
        var artifact = ArtifactRepository.RefOf(request.Artifact, request.FileName);
        var signature = await SignatureOfAsync(engine, request, artifact.Sha256, cancellationToken);

        if (request.Tokenizer is { Length: > 0 } vocab)
        {
            ValidateEmbedder(request, vocab, signature);
        }

        if (request.Stream is { } stream)
        {
            try
            {
                Streams.StreamSpecs.Validate(stream, signature);
            }
            catch (ArgumentException ex)
            {
                throw new StokeException(StokeErrorKind.BadRequest, $"'{request.FileName}' cannot be deployed with these stream settings: {ex.Message}");
            }
        }

        var tokenizer = request.Tokenizer is { Length: > 0 } vocabulary
            ? new TokenizerRef(request.TokenizerKind, ArtifactRepository.RefOf(vocabulary, "vocab.txt"))
            : null;
        var draft = new FunctionSpec
        {
            Tenant = request.Tenant,
            Name = request.Name,
            Version = 0,
            Engine = engine.Name,
            Artifact = artifact,
            Signature = signature,
            Batching = request.Batching,
            Scaling = request.Scaling,
            InstanceMemoryBytes = request.InstanceMemoryBytes > 0 ? request.InstanceMemoryBytes : EstimateMemory(artifact.SizeBytes),
            Slo = request.Slo,
            Labels = request.Labels,
            Pricing = request.Pricing,
            Tokenizer = tokenizer,
            Generation = request.Generation,
            Routing = request.Routing,
            Stream = request.Stream,
            Derived = request.Derived,
        };
        try
        {
            policies.Validate(draft);
        }
        catch (ArgumentException ex)
        {
            throw new StokeException(StokeErrorKind.BadRequest, ex.Message);
        }

        return await StoreAndRegisterAsync(request, draft, cancellationToken);
    }

    // Without a shared repository the model would live only on this node: every reachable node keeps a copy in its
    // own repository (fetched from this one), so the function survives the loss of any node but the last.
    private async Task ReplicateAsync(ArtifactRef artifact)
    {
        if (!options.Value.ReplicateArtifacts)
        {
            return;
        }

        var peers = cluster.ReachableNodes().Where(n => n != node.NodeId).ToList();
        await Task.WhenAll(peers.Select(async peer =>
        {
            try
            {
                await grains.GetGrain<INodeGrain>(peer).Replicate(artifact).WaitAsync(ReplicationTimeout, time);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.ReplicationFailed(logger, artifact.FileName, artifact.Sha256, peer, ex.Message);
            }
        }));
    }

    private static partial class Log
    {
        [Microsoft.Extensions.Logging.LoggerMessage(EventId = 1300, Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Artifact {File} ({Sha256}) was not copied to node {Node}: {Reason}")]
        public static partial void ReplicationFailed(Microsoft.Extensions.Logging.ILogger logger, string file, string sha256, string node, string reason);

        [Microsoft.Extensions.Logging.LoggerMessage(EventId = 1301, Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "A failed deploy of {Function} could not release its artifacts: {Reason}")]
        public static partial void ReleaseFailed(Microsoft.Extensions.Logging.ILogger logger, string function, string reason);
    }

    // An embedding function's instances tokenise and pool: prove the vocab and the model make an embedder before
    // anything is stored or registered, so a bad pair is a 400 that leaves nothing behind.
    private static void ValidateEmbedder(DeployRequest request, byte[] vocab, Abstractions.Tensors.ModelSignature signature)
    {
        if (request.TokenizerKind != "bert")
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Unknown tokenizer kind '{request.TokenizerKind}'. Known: bert (a WordPiece vocab.txt).");
        }

        try
        {
            _ = new Engines.Onnx.Embeddings.SentenceEmbedder(vocab, signature);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FormatException)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"'{request.FileName}' with this vocab cannot serve embeddings: {ex.Message}");
        }
    }

    // ONNX Runtime holds the weights plus its own buffers: about twice the file, plus a fixed overhead.
    private static long EstimateMemory(long artifactBytes) => (artifactBytes * 2) + (32L << 20);
}
