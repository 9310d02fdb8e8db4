namespace Stoke.Engines.Onnx.Embeddings;

/// <summary>Tokenisation settings of a <see cref="SentenceEmbedder"/>.</summary>
public sealed record SentenceEmbedderOptions
{
    /// <summary>Longest sequence fed to the model, special tokens included; longer texts are truncated (sentence-transformers' default for MiniLM).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Lower-case text before WordPiece, as uncased BERT vocabularies expect.</summary>
    public bool LowerCase { get; init; } = true;
}
