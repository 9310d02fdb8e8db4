using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx.Embeddings;

/// <summary>A tokenised batch: the model's input tensors (right-padded to the longest text) and what each text cost in tokens.</summary>
/// <param name="Inputs">Token ids, attention mask and (when the model takes them) token type ids, named as the model's inputs.</param>
/// <param name="TokenCounts">Tokens fed to the model per text, special tokens included; this is what usage is metered in.</param>
/// <param name="Truncated">Per text, whether it was cut at the maximum length.</param>
/// <param name="SequenceLength">The padded length of every row.</param>
public sealed record EncodedSentences(Tensor[] Inputs, int[] TokenCounts, bool[] Truncated, int SequenceLength)
{
    /// <summary>Number of texts in the batch.</summary>
    public int Count => TokenCounts.Length;

    /// <summary>Sum of <see cref="TokenCounts"/>.</summary>
    public int TotalTokens => TokenCounts.Sum();
}
