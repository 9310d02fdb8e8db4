using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Embeddings;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Samples;

namespace Stoke.Engines.Onnx.Tests.Embeddings;

[Collection(MiniLmCollection.Name)]
public sealed class SentenceEmbedderTests(MiniLmFixture miniLm)
{
    private const string Guitar = "A man is playing a guitar.";
    private const string GuitarParaphrase = "Someone plays the guitar.";
    private const string Markets = "Stock markets fell sharply after the interest rate decision.";

    [Fact]
    public void ParaphrasesAreCloserThanUnrelatedSentences()
    {
        var vectors = miniLm.Embedder.Embed(miniLm.Session, [Guitar, GuitarParaphrase, Markets]).Vectors;

        var paraphrase = Dot(vectors[0], vectors[1]);
        var unrelated = Dot(vectors[0], vectors[2]);

        Assert.True(paraphrase > unrelated + 0.3f, $"paraphrase cosine {paraphrase}, unrelated {unrelated}");
    }

    [Fact]
    public void VectorsAreUnitLengthAnd384Wide()
    {
        var vectors = miniLm.Embedder.Embed(miniLm.Session, [Guitar, "x", Markets]).Vectors;

        Assert.Equal(384, miniLm.Embedder.Dimensions);
        Assert.All(vectors, v =>
        {
            Assert.Equal(384, v.Length);
            Assert.Equal(1.0, Math.Sqrt(Dot(v, v)), 4);
        });
    }

    [Fact]
    public void ABatchOfThreeEqualsThreeSingleRuns()
    {
        string[] texts = [Guitar, "Short.", Markets + " " + Markets];

        var batch = miniLm.Embedder.Embed(miniLm.Session, texts).Vectors;

        for (var i = 0; i < texts.Length; i++)
        {
            var single = miniLm.Embedder.Embed(miniLm.Session, [texts[i]]).Vectors[0];
            RawTensors.AllClose(single, batch[i], 1e-4f);
        }
    }

    [Fact]
    public void EncodingPadsToTheLongestTextAndMasksThePadding()
    {
        var encoded = miniLm.Embedder.Encode(["hi", Guitar]);

        var mask = encoded.Inputs.Single(t => t.Name == "attention_mask");
        var values = MemoryMarshal.Cast<byte, long>(mask.Data).ToArray();
        Assert.Equal([2, encoded.SequenceLength], mask.Shape);
        Assert.Equal(encoded.TokenCounts[1], encoded.SequenceLength);
        Assert.Equal(3, encoded.TokenCounts[0]); // [CLS] hi [SEP]
        Assert.Equal([1L, 1, 1, .. new long[encoded.SequenceLength - 3]], values[..encoded.SequenceLength]);
    }

    [Fact]
    public void LongTextsAreTruncatedToMaxTokens()
    {
        var embedder = new SentenceEmbedder(miniLm.Model.VocabPath!, miniLm.Session.Signature, new SentenceEmbedderOptions { MaxTokens = 16 });
        var text = string.Join(' ', Enumerable.Repeat("serverless inference", 40));

        var encoded = embedder.Encode([text, "short"]);

        Assert.Equal(16, encoded.TokenCounts[0]);
        Assert.True(encoded.Truncated[0]);
        Assert.False(encoded.Truncated[1]);
        Assert.Equal(16, encoded.SequenceLength);
        Assert.True(embedder.CountTokens(text) > 16);
    }

    [Fact]
    public void TokenCountsIncludeSpecialTokens()
    {
        var result = miniLm.Embedder.Embed(miniLm.Session, ["hello world", "hello"]);

        Assert.Equal([4, 3], result.TokenCounts);
        Assert.Equal(7, result.TotalTokens);
    }

    [Fact]
    public void InputNamesAndIntegerWidthComeFromTheSignature()
    {
        // A hypothetical encoder with INT32 inputs, other names and no token types.
        var signature = new ModelSignature(
            [new TensorSpec("ids", TensorDataType.Int32, [-1, -1]), new TensorSpec("mask", TensorDataType.Int32, [-1, -1])],
            [new TensorSpec("token_embeddings", TensorDataType.FP32, [-1, -1, 8])]);

        var embedder = new SentenceEmbedder(miniLm.Model.VocabPath!, signature);
        var encoded = embedder.Encode(["hello"]);

        Assert.Equal(["ids", "mask"], encoded.Inputs.Select(i => i.Name));
        Assert.All(encoded.Inputs, i => Assert.Equal(TensorDataType.Int32, i.DataType));
        Assert.Equal(3 * sizeof(int), encoded.Inputs[0].Data.Length);
        Assert.Equal("token_embeddings", embedder.OutputName);
    }

    [Fact]
    public void AnInputThatIsNotText()
    {
        var signature = new ModelSignature([new TensorSpec("pixels", TensorDataType.FP32, [-1, 3])], [new TensorSpec("y", TensorDataType.FP32, [-1, 4])]);

        Assert.Throws<ArgumentException>(() => new SentenceEmbedder(miniLm.Model.VocabPath!, signature));
    }

    [Fact]
    public void ArcticXsEmbedsWithTheSameCode()
    {
        var arctic = SampleModels.ArcticXs;
        using var session = TestModels.Load(arctic.ModelPath, threads: 2);
        var embedder = new SentenceEmbedder(arctic.VocabPath!, session.Signature);

        var vectors = embedder.Embed(session, [Guitar, GuitarParaphrase, Markets]).Vectors;

        Assert.Equal(1.0, Math.Sqrt(Dot(vectors[0], vectors[0])), 4);
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]));
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
