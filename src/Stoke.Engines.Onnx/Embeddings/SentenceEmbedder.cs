using System.Runtime.InteropServices;
using Microsoft.ML.Tokenizers;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx.Embeddings;

/// <summary>
/// Turns texts into sentence embeddings with a BERT-style encoder: WordPiece tokenisation, then mean pooling of the
/// token states over the attention mask and L2 normalisation. Input and output names come from the model's signature,
/// so any encoder with <c>input_ids</c>/<c>attention_mask</c>(/<c>token_type_ids</c>)-like inputs works. Thread-safe.
/// </summary>
public sealed class SentenceEmbedder
{
    private readonly BertTokenizer _tokenizer;
    private readonly TensorSpec _ids;
    private readonly TensorSpec? _mask;
    private readonly TensorSpec? _tokenTypes;
    private readonly bool _outputIsPooled;

    /// <summary>Creates an embedder for a model with <paramref name="signature"/> and the WordPiece vocabulary at <paramref name="vocabPath"/>.</summary>
    public SentenceEmbedder(string vocabPath, ModelSignature signature, SentenceEmbedderOptions? options = null)
        : this(OpenVocab(vocabPath), signature, options)
    {
    }

    private static FileStream OpenVocab(string vocabPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        return File.OpenRead(vocabPath);
    }

    /// <summary>Creates an embedder from the WordPiece vocabulary's bytes (a <c>vocab.txt</c>, one token per line).</summary>
    public SentenceEmbedder(byte[] vocab, ModelSignature signature, SentenceEmbedderOptions? options = null)
        : this(new MemoryStream(vocab ?? throw new ArgumentNullException(nameof(vocab)), writable: false), signature, options)
    {
    }

    private SentenceEmbedder(Stream vocab, ModelSignature signature, SentenceEmbedderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(signature);
        options ??= new SentenceEmbedderOptions();
        if (options.MaxTokens < 3)
        {
            throw new ArgumentException($"MaxTokens must leave room for [CLS], [SEP] and one token; got {options.MaxTokens}.", nameof(options));
        }

        MaxTokens = options.MaxTokens;
        using (vocab)
        {
            _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = options.LowerCase });
        }

        TensorSpec? ids = null;
        foreach (var input in signature.Inputs)
        {
            if (input.DataType is not (TensorDataType.Int64 or TensorDataType.Int32) || input.Shape.Length != 2)
            {
                throw new ArgumentException($"Input '{input.Name}' is {input.DataType.ToWireName()} {TensorShape.Format(input.Shape)}; a text encoder takes INT64 or INT32 [batch, sequence].", nameof(signature));
            }

            switch (RoleOf(input.Name))
            {
                case InputRole.Ids: ids = input; break;
                case InputRole.Mask: _mask = input; break;
                case InputRole.TokenTypes: _tokenTypes = input; break;
                default:
                    throw new ArgumentException($"Input '{input.Name}' is neither token ids, an attention mask nor token type ids.", nameof(signature));
            }
        }

        _ids = ids ?? throw new ArgumentException("The model has no token-ids input (e.g. 'input_ids').", nameof(signature));
        var output = PickOutput(signature.Outputs);
        OutputName = output.Name;
        _outputIsPooled = output.Shape.Length == 2;
        var width = output.Shape[^1];
        Dimensions = width > 0 ? (int)width : null;
    }

    /// <summary>Longest sequence fed to the model, special tokens included.</summary>
    public int MaxTokens { get; }

    /// <summary>The output the vectors are computed from (e.g. <c>last_hidden_state</c>).</summary>
    public string OutputName { get; }

    /// <summary>Pass as the requested outputs of a run, so the engine copies out only what pooling needs.</summary>
    public IReadOnlyList<string> RequestedOutputs => [OutputName];

    /// <summary>Vector width when the signature fixes it (384 for MiniLM), else null.</summary>
    public int? Dimensions { get; }

    /// <summary>Tokens <paramref name="text"/> costs untruncated, special tokens included.</summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToIds(text, addSpecialTokens: false).Count + 2;
    }

    /// <summary>Tokenises a batch into the model's inputs, padded to its longest text.</summary>
    public EncodedSentences Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("At least one text is needed.", nameof(texts));
        }

        var rows = new int[texts.Count][];
        var truncated = new bool[texts.Count];
        var longest = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts));

            // Asking for at most MaxTokens-2 word pieces keeps a huge text from being tokenised in full.
            var pieces = _tokenizer.EncodeToIds(text, MaxTokens - 2, addSpecialTokens: false, out _, out var consumed);
            truncated[i] = consumed < text.Length && pieces.Count == MaxTokens - 2;
            var row = new int[pieces.Count + 2];
            row[0] = _tokenizer.ClassificationTokenId;
            for (var j = 0; j < pieces.Count; j++)
            {
                row[j + 1] = pieces[j];
            }

            row[^1] = _tokenizer.SeparatorTokenId;
            rows[i] = row;
            longest = Math.Max(longest, row.Length);
        }

        var inputs = new List<Tensor>(3)
        {
            Build(_ids, rows, longest, (row, j) => j < row.Length ? row[j] : _tokenizer.PaddingTokenId),
        };
        if (_mask is not null)
        {
            inputs.Add(Build(_mask, rows, longest, (row, j) => j < row.Length ? 1 : 0));
        }

        if (_tokenTypes is not null)
        {
            inputs.Add(Build(_tokenTypes, rows, longest, (_, _) => 0));
        }

        return new EncodedSentences([.. inputs], Array.ConvertAll(rows, r => r.Length), truncated, longest);
    }

    /// <summary>Mean-pools the model's token states over each text's real tokens and L2-normalises the result.</summary>
    public float[][] Pool(IReadOnlyList<Tensor> outputs, EncodedSentences encoded)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(encoded);
        var output = outputs.FirstOrDefault(o => o.Name == OutputName)
            ?? throw new ArgumentException($"The outputs do not include '{OutputName}'.", nameof(outputs));
        var values = ToFloats(output);
        var batch = encoded.Count;

        if (_outputIsPooled)
        {
            ExpectShape(output, [batch, -1]);
            var width = (int)output.Shape[1];
            var pooled = new float[batch][];
            for (var b = 0; b < batch; b++)
            {
                pooled[b] = Normalize(values.Slice(b * width, width).ToArray());
            }

            return pooled;
        }

        ExpectShape(output, [batch, encoded.SequenceLength, -1]);
        var hidden = (int)output.Shape[2];
        var vectors = new float[batch][];
        for (var b = 0; b < batch; b++)
        {
            // Rows are right-padded, so a text's real tokens are its first TokenCounts[b] positions.
            var tokens = encoded.TokenCounts[b];
            var sum = new float[hidden];
            var row = values.Slice(b * encoded.SequenceLength * hidden, tokens * hidden);
            for (var t = 0; t < tokens; t++)
            {
                var state = row.Slice(t * hidden, hidden);
                for (var h = 0; h < hidden; h++)
                {
                    sum[h] += state[h];
                }
            }

            for (var h = 0; h < hidden; h++)
            {
                sum[h] /= tokens;
            }

            vectors[b] = Normalize(sum);
        }

        return vectors;
    }

    /// <summary>Encodes, runs and pools in one call; for callers that do not batch across requests themselves.</summary>
    public SentenceEmbeddings Embed(IModelSession session, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(session);
        var encoded = Encode(texts);
        var outputs = session.Run(encoded.Inputs, RequestedOutputs);
        return new SentenceEmbeddings(Pool(outputs, encoded), encoded.TokenCounts);
    }

    private static InputRole RoleOf(string name)
    {
        var n = name.ToLowerInvariant();
        if (n.Contains("mask", StringComparison.Ordinal))
        {
            return InputRole.Mask;
        }

        if (n.Contains("type", StringComparison.Ordinal) || n.Contains("segment", StringComparison.Ordinal))
        {
            return InputRole.TokenTypes;
        }

        return n.Contains("ids", StringComparison.Ordinal) || n.Contains("input", StringComparison.Ordinal) ? InputRole.Ids : InputRole.Unknown;
    }

    private static TensorSpec PickOutput(TensorSpec[] outputs)
    {
        static bool IsFloat(TensorSpec s) => s.DataType is TensorDataType.FP32 or TensorDataType.FP16;

        // Token states ([batch, seq, hidden]) are what sentence-transformers pool; a rank-2 output is used only when
        // there is nothing else, because in BERT exports it is usually the CLS pooler, not a sentence embedding.
        return outputs.FirstOrDefault(o => IsFloat(o) && o.Shape.Length == 3 && o.Name.Contains("last_hidden_state", StringComparison.OrdinalIgnoreCase))
            ?? outputs.FirstOrDefault(o => IsFloat(o) && o.Shape.Length == 3)
            ?? outputs.FirstOrDefault(o => IsFloat(o) && o.Shape.Length == 2)
            ?? throw new ArgumentException("The model has no FP32/FP16 output of shape [batch, sequence, hidden] or [batch, hidden].");
    }

    private static Tensor Build(TensorSpec spec, int[][] rows, int length, Func<int[], int, int> value)
    {
        var count = rows.Length * length;
        byte[] data;
        if (spec.DataType == TensorDataType.Int64)
        {
            data = new byte[count * sizeof(long)];
            var span = MemoryMarshal.Cast<byte, long>(data.AsSpan());
            for (var r = 0; r < rows.Length; r++)
            {
                for (var j = 0; j < length; j++)
                {
                    span[(r * length) + j] = value(rows[r], j);
                }
            }
        }
        else
        {
            data = new byte[count * sizeof(int)];
            var span = MemoryMarshal.Cast<byte, int>(data.AsSpan());
            for (var r = 0; r < rows.Length; r++)
            {
                for (var j = 0; j < length; j++)
                {
                    span[(r * length) + j] = value(rows[r], j);
                }
            }
        }

        return new Tensor(spec.Name, spec.DataType, [rows.Length, length], data);
    }

    private static ReadOnlySpan<float> ToFloats(Tensor output)
    {
        if (output.DataType == TensorDataType.FP32)
        {
            return MemoryMarshal.Cast<byte, float>(output.Data);
        }

        if (output.DataType == TensorDataType.FP16)
        {
            var halves = MemoryMarshal.Cast<byte, Half>(output.Data);
            var floats = new float[halves.Length];
            for (var i = 0; i < halves.Length; i++)
            {
                floats[i] = (float)halves[i];
            }

            return floats;
        }

        throw new ArgumentException($"Output '{output.Name}' is {output.DataType.ToWireName()}; pooling needs FP32 or FP16.");
    }

    private static void ExpectShape(Tensor output, long[] expected)
    {
        var fits = output.Shape.Length == expected.Length;
        for (var i = 0; fits && i < expected.Length; i++)
        {
            fits = expected[i] < 0 || output.Shape[i] == expected[i];
        }

        if (!fits)
        {
            throw new ArgumentException($"Output '{output.Name}' has shape {TensorShape.Format(output.Shape)}; expected {TensorShape.Format(expected)} (-1: any).");
        }
    }

    private static float[] Normalize(float[] vector)
    {
        double squares = 0;
        foreach (var v in vector)
        {
            squares += (double)v * v;
        }

        var scale = (float)(1 / Math.Max(Math.Sqrt(squares), 1e-12));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    private enum InputRole
    {
        Unknown,
        Ids,
        Mask,
        TokenTypes,
    }
}
