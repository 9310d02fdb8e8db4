namespace Stoke.Pipelines.Transforms;

/// <summary>The built-in transforms by name; a step naming another is refused at deploy.</summary>
public sealed class TransformCatalog
{
    private readonly Dictionary<string, ITransformFactory> _factories;

    public TransformCatalog(IEnumerable<ITransformFactory> factories) =>
        _factories = factories.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Every built-in transform.</summary>
    public static TransformCatalog BuiltIn { get; } = new(
    [
        new ImageDecode.Factory(), new ImageNormalize.Factory(), new TextBoxes.Factory(), new LineCrop.Factory(),
        new CtcDecode.Factory(), new Softmax.Factory(), new TopK.Factory(), new MeanPool.Factory(),
    ]);

    public IEnumerable<ITransformFactory> All => _factories.Values.OrderBy(f => f.Name, StringComparer.Ordinal);

    public bool TryGet(string name, out ITransformFactory factory) => _factories.TryGetValue(name, out factory!);
}
