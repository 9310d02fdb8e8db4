namespace Stoke.Engines.Onnx.Embeddings;

/// <summary>Unit-length sentence vectors, one per input text, with the tokens each text used.</summary>
public sealed record SentenceEmbeddings(float[][] Vectors, int[] TokenCounts)
{
    /// <summary>Sum of <see cref="TokenCounts"/>.</summary>
    public int TotalTokens => TokenCounts.Sum();
}
