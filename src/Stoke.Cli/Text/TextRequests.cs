using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Embeddings;

namespace Stoke.Cli.Text;

/// <summary>
/// Turns sentences into a text encoder's INT64 inputs with the model's own WordPiece vocabulary. With
/// <c>padTo</c>, every request has the same sequence length (attention mask 0 on padding), so requests from
/// different clients can share a batch on the server.
/// </summary>
public sealed class TextRequests
{
    private readonly SentenceEmbedder _embedder;
    private readonly int? _padTo;

    public TextRequests(string vocabPath, ModelSignature signature, int? padTo = null)
    {
        _padTo = padTo;
        _embedder = new SentenceEmbedder(vocabPath, signature, new SentenceEmbedderOptions { MaxTokens = padTo ?? 256 });
    }

    public Tensor[] Encode(IReadOnlyList<string> texts)
    {
        var encoded = _embedder.Encode(texts);
        return _padTo is { } length && encoded.SequenceLength < length
            ? [.. encoded.Inputs.Select(t => Pad(t, length))]
            : encoded.Inputs;
    }

    public string Json(IReadOnlyList<string> texts) => OipJson.Request(Encode(texts));

    // Token id 0 is [PAD] in BERT vocabularies, and 0 is also the right mask and token-type value for padding.
    private static Tensor Pad(Tensor tensor, int length)
    {
        var rows = (int)tensor.Shape[0];
        var width = (int)tensor.Shape[1];
        var size = tensor.DataType.ElementSize();
        var data = new byte[rows * length * size];
        for (var r = 0; r < rows; r++)
        {
            tensor.Data.AsSpan(r * width * size, width * size).CopyTo(data.AsSpan(r * length * size));
        }

        return tensor with { Shape = [rows, length], Data = data };
    }
}
