using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Registry;

/// <summary>
/// Makes the specs of one registry share their equal parts: thousands of functions deployed from one model each read
/// back from the store with their own artifact reference, signature, default options and strings (about 1 KiB of
/// objects a spec); shared, a spec costs its own fields and name. Specs are immutable, so sharing changes nothing a
/// reader sees. The pool lives as long as its registry's activation, so a deleted function's parts go with it.
/// </summary>
internal sealed class SpecInterner
{
    private readonly Dictionary<object, object> _records = [];
    private readonly Dictionary<ModelSignature, ModelSignature> _signatures = new(SignatureComparer.Instance);
    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    // Labels are read only (placement filters by them), like every part of an immutable spec.
    private readonly Dictionary<string, string> _noLabels = [];

    /// <param name="name">The registry's own copy of the function's name (its key), when it has one.</param>
    public FunctionSpec Share(FunctionSpec spec, string? name = null) => spec with
    {
        Name = name is not null && string.Equals(name, spec.Name, StringComparison.Ordinal) ? name : spec.Name,
        Tenant = Text(spec.Tenant),
        Engine = Text(spec.Engine),
        Routing = Text(spec.Routing),
        Artifact = Artifact(spec.Artifact),
        Signature = Signature(spec.Signature),
        Batching = Record(spec.Batching),
        Scaling = Record(spec.Scaling),
        Pricing = Record(spec.Pricing),
        Generation = Record(spec.Generation),
        Labels = spec.Labels.Count == 0 ? _noLabels : spec.Labels,
        Tokenizer = spec.Tokenizer is { } tokenizer ? Record(tokenizer with { Artifact = Artifact(tokenizer.Artifact) }) : null,
    };

    // The file name is the uploaded one (the CLI names it after the function), so references to one model may differ
    // in it: their SHA-256 text, 150 bytes each, is shared all the same.
    private ArtifactRef Artifact(ArtifactRef artifact) => Record(artifact with { Sha256 = Text(artifact.Sha256) });

    // Records compare by value (their type included), so one pool serves every record type.
    private T Record<T>(T value)
        where T : class => (T)Pooled(_records, value);

    private ModelSignature Signature(ModelSignature signature) => Pooled(_signatures, signature);

    private string Text(string text) => string.IsInterned(text) ?? Pooled(_texts, text);

    // The pool's equal value if it has one, else this one, kept for the next.
    private static TValue Pooled<TValue>(Dictionary<TValue, TValue> pool, TValue value)
        where TValue : notnull
    {
        if (pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        pool.Add(value, value);
        return value;
    }

    // A signature's tensors hold shape arrays, which records compare by reference: compared here element by element.
    private sealed class SignatureComparer : IEqualityComparer<ModelSignature>
    {
        public static readonly SignatureComparer Instance = new();

        public bool Equals(ModelSignature? x, ModelSignature? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && Same(x.Inputs, y.Inputs) && Same(x.Outputs, y.Outputs));

        public int GetHashCode(ModelSignature obj)
        {
            var hash = new HashCode();
            foreach (var tensor in obj.Inputs.Concat(obj.Outputs))
            {
                hash.Add(tensor.Name, StringComparer.Ordinal);
                hash.Add(tensor.DataType);
                hash.Add(tensor.Shape.Length);
            }

            return hash.ToHashCode();
        }

        private static bool Same(TensorSpec[] x, TensorSpec[] y) =>
            x.Length == y.Length && x.Zip(y).All(p =>
                string.Equals(p.First.Name, p.Second.Name, StringComparison.Ordinal)
                && p.First.DataType == p.Second.DataType
                && p.First.Shape.AsSpan().SequenceEqual(p.Second.Shape));
    }
}
