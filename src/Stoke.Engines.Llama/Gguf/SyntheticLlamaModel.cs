using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Stoke.Engines.Llama.Gguf;

/// <summary>
/// Shape of a synthetic llama-architecture model: what decides its cost per token, not what it says. The defaults
/// (about 120M parameters, 245 MB in F16) are far larger than a CPU's cache, so a decode step is bound by reading
/// the weights, as on a real model.
/// </summary>
internal sealed record SyntheticLlamaShape
{
    public int EmbeddingLength { get; init; } = 1024;

    public int Layers { get; init; } = 8;

    /// <summary>Hidden size of the gated feed-forward block; 0 means four times <see cref="EmbeddingLength"/>.</summary>
    public int FeedForwardLength { get; init; }

    public int Heads { get; init; } = 16;

    /// <summary>Key/value heads (grouped-query attention: each serves <see cref="Heads"/> / this query heads).</summary>
    public int KvHeads { get; init; } = 4;

    public int ContextLength { get; init; } = 1024;

    /// <summary>
    /// Type of the weight matrices (F32, F16 or Q8_0; norms are always F32). It sets the bytes read per multiply-add,
    /// so how memory-bound a decode step is: F32 the most, Q8_0 the least.
    /// </summary>
    public GgmlType WeightType { get; init; } = GgmlType.F16;

    public int FeedForward => FeedForwardLength > 0 ? FeedForwardLength : 4 * EmbeddingLength;

    public int KvLength => EmbeddingLength / Heads * KvHeads;

    /// <summary>Parameters of the weight matrices and norms for a vocabulary of <paramref name="vocab"/> tokens.</summary>
    public long Parameters(int vocab)
    {
        long e = EmbeddingLength, f = FeedForward, kv = KvLength;
        var layer = 2 * e * e + 2 * e * kv + 3 * e * f + 2 * e;
        return 2 * e * vocab + e + Layers * layer;
    }

    /// <summary>A file name that says the shape, type and seed, so a cached file is only reused for the same model.</summary>
    public string FileName(int seed) => string.Create(CultureInfo.InvariantCulture,
        $"synthetic-llama-e{EmbeddingLength}-l{Layers}-ff{FeedForward}-h{Heads}-kv{KvHeads}-c{ContextLength}-{WeightType.ToString().ToLowerInvariant()}-s{seed}.gguf");

    internal void Validate()
    {
        if (EmbeddingLength < 1 || Layers < 1 || Heads < 1 || KvHeads < 1 || ContextLength < 1 || FeedForward < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingLength), "Every dimension of a synthetic model must be positive.");
        }

        if (EmbeddingLength % Heads != 0 || Heads % KvHeads != 0)
        {
            throw new ArgumentException($"Embedding {EmbeddingLength} must split into {Heads} heads, and {Heads} heads into {KvHeads} KV heads.");
        }

        if (WeightType is not (GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0))
        {
            throw new ArgumentException($"Weight type {WeightType}: F32, F16 or Q8_0.");
        }

        if (WeightType == GgmlType.Q8_0 && (EmbeddingLength % GgmlTypes.Q8_0BlockElements != 0 || FeedForward % GgmlTypes.Q8_0BlockElements != 0))
        {
            throw new ArgumentException($"Q8_0 needs embedding and feed-forward lengths that are multiples of {GgmlTypes.Q8_0BlockElements}.");
        }
    }
}

/// <summary>
/// Writes a llama-architecture GGUF with random weights and a real model's tokenizer: every <c>general.*</c> and
/// <c>tokenizer.*</c> entry of the source file is copied, then new <c>llama.*</c> hyper-parameters and tensors are
/// written. Its text is gibberish; its cost per token is that of a real model of the same shape, which is what a
/// throughput benchmark needs. The same shape and seed give the same bytes.
/// </summary>
internal static class SyntheticLlamaModel
{
    /// <summary>Returns the model for this shape and seed in <paramref name="directory"/>, writing it first if it is not there.</summary>
    public static string GetOrCreate(string directory, string tokenizerSource, SyntheticLlamaShape shape, int seed)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, shape.FileName(seed));
        if (!File.Exists(path))
        {
            Write(path, tokenizerSource, shape, seed);
        }

        return path;
    }

    public static void Write(string path, string tokenizerSource, SyntheticLlamaShape shape, int seed)
    {
        shape.Validate();
        var source = GgufFile.Read(tokenizerSource);
        var vocab = source.TryGet("tokenizer.ggml.tokens", out var tokens) && tokens.Value is GgufArray { Count: > 0 } list
            ? list.Count
            : throw new InvalidDataException($"'{tokenizerSource}' has no tokenizer.ggml.tokens to borrow.");

        var writer = new GgufWriter();
        foreach (var (key, value) in source.Metadata)
        {
            if (key.StartsWith("general.", StringComparison.Ordinal) || key.StartsWith("tokenizer.", StringComparison.Ordinal))
            {
                writer.Set(key, value);
            }
        }

        var e = shape.EmbeddingLength;
        writer.Set("general.architecture", GgufValue.Of("llama"))
            .Set("general.name", GgufValue.Of($"synthetic llama, random weights, seed {seed} (tokenizer of {Path.GetFileName(tokenizerSource)})"))
            .Set("general.file_type", GgufValue.Of(shape.WeightType switch { GgmlType.F32 => 0u, GgmlType.F16 => 1u, _ => 7u })) // llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7
            .Set("llama.vocab_size", GgufValue.Of((uint)vocab))
            .Set("llama.context_length", GgufValue.Of((uint)shape.ContextLength))
            .Set("llama.embedding_length", GgufValue.Of((uint)e))
            .Set("llama.block_count", GgufValue.Of((uint)shape.Layers))
            .Set("llama.feed_forward_length", GgufValue.Of((uint)shape.FeedForward))
            .Set("llama.attention.head_count", GgufValue.Of((uint)shape.Heads))
            .Set("llama.attention.head_count_kv", GgufValue.Of((uint)shape.KvHeads))
            .Set("llama.rope.dimension_count", GgufValue.Of((uint)(e / shape.Heads)))
            .Set("llama.attention.layer_norm_rms_epsilon", GgufValue.Of(1e-5f));

        var tensor = 0;
        void Matrix(string name, int columns, int rows)
        {
            // Uniform in +-1/sqrt(columns): each output of a matrix-vector product stays near unit size.
            var state = Seed(seed, tensor++);
            var scale = 1f / MathF.Sqrt(columns);
            writer.AddTensor(name, shape.WeightType, [columns, rows], span => FillRandom(span, shape.WeightType, scale, state));
        }

        void Norm(string name) => writer.AddTensor(name, GgmlType.F32, [e], span => MemoryMarshal.Cast<byte, float>(span).Fill(1f));

        Matrix("token_embd.weight", e, vocab);
        Norm("output_norm.weight");
        Matrix("output.weight", e, vocab);
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            var blk = string.Create(CultureInfo.InvariantCulture, $"blk.{layer}.");
            Norm(blk + "attn_norm.weight");
            Matrix(blk + "attn_q.weight", e, e);
            Matrix(blk + "attn_k.weight", e, shape.KvLength);
            Matrix(blk + "attn_v.weight", e, shape.KvLength);
            Matrix(blk + "attn_output.weight", e, e);
            Norm(blk + "ffn_norm.weight");
            Matrix(blk + "ffn_gate.weight", e, shape.FeedForward);
            Matrix(blk + "ffn_up.weight", e, shape.FeedForward);
            Matrix(blk + "ffn_down.weight", shape.FeedForward, e);
        }

        writer.WriteTo(path);
    }

    private static ulong Seed(int seed, int tensor)
    {
        // splitmix64 of (seed, tensor): independent, non-zero xorshift states per tensor.
        var z = ((ulong)(uint)seed << 32 | (uint)tensor) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) | 1;
    }

    private static void FillRandom(Span<byte> span, GgmlType type, float scale, ulong state)
    {
        // xorshift64*: fast and deterministic; the weights only need to be finite and not all alike.
        ulong Next()
        {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            return state * 0x2545F4914F6CDD1DUL;
        }

        float Uniform() => ((Next() >> 40) * (2.0f / (1 << 24)) - 1f) * scale;

        if (type == GgmlType.F32)
        {
            var floats = MemoryMarshal.Cast<byte, float>(span);
            for (var i = 0; i < floats.Length; i++)
            {
                floats[i] = Uniform();
            }

            return;
        }

        if (type == GgmlType.F16)
        {
            var halves = MemoryMarshal.Cast<byte, Half>(span);
            for (var i = 0; i < halves.Length; i++)
            {
                halves[i] = (Half)Uniform();
            }

            return;
        }

        // Q8_0 blocks: an f16 scale, then 32 signed bytes in -127..127.
        var d = (Half)(scale / 127f);
        for (var block = 0; block < span.Length; block += GgmlTypes.Q8_0BlockBytes)
        {
            BinaryPrimitives.WriteHalfLittleEndian(span[block..], d);
            for (var i = 0; i < GgmlTypes.Q8_0BlockElements; i++)
            {
                span[block + 2 + i] = (byte)(sbyte)Math.Max(-127, (int)(Next() >> 56) - 128);
            }
        }
    }
}
