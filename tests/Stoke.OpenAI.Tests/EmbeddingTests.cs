using System.ClientModel;
using System.Net.Http.Headers;
using Microsoft.Extensions.AI;
using EmbeddingGenerationOptions = OpenAI.Embeddings.EmbeddingGenerationOptions;
using OpenAI.Embeddings;
using Stoke.OpenAI.Tests.Support;
using Stoke.Samples;

namespace Stoke.OpenAI.Tests;

/// <summary><c>/v1/embeddings</c> on the MiniLM sample, deployed with its vocab, driven by the OpenAI SDK.</summary>
[Collection(OpenAICollection.Name)]
public sealed class EmbeddingTests(OpenAIStoke stoke)
{
    [Fact]
    public async Task EmbedsABatchAsUnitVectorsThatRankParaphrasesClosest()
    {
        await DeployMiniLmAsync(stoke, "minilm");
        var client = stoke.OpenAI().GetEmbeddingClient("minilm");

        var result = await client.GenerateEmbeddingsAsync(["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply today."]);

        var vectors = result.Value.Select(e => e.ToFloats().ToArray()).ToArray();
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 3));
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]));
        Assert.True(result.Value.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiEmbeddingGeneratorEmbedsThroughTheSdk()
    {
        await DeployMiniLmAsync(stoke, "minilm");
        IEmbeddingGenerator<string, Embedding<float>> generator = stoke.OpenAI().GetEmbeddingClient("minilm").AsIEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(["A cat sits on the mat.", "Stock markets fell sharply today."]);

        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(384, e.Vector.Length));
    }

    [Fact]
    public async Task DimensionsOtherThanTheEncodersOwnAreRefusedNamingThem()
    {
        await DeployMiniLmAsync(stoke, "minilm");
        var client = stoke.OpenAI().GetEmbeddingClient("minilm");

        var own = await client.GenerateEmbeddingAsync("hello", new EmbeddingGenerationOptions { Dimensions = 384 });
        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("hello", new EmbeddingGenerationOptions { Dimensions = 128 }));

        Assert.Equal(384, own.Value.ToFloats().Length);
        Assert.Equal(400, error.Status);
        Assert.Equal("dimensions", System.Text.Json.Nodes.JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task LanguageModelIsNotAnEmbeddingModel()
    {
        var client = stoke.OpenAI().GetEmbeddingClient(OpenAIStoke.Model);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("hello"));

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task AModelThatCannotServeEmbeddingsWithItsVocabIsRefusedAndLeavesNothingRegistered()
    {
        using var http = stoke.Http();
        using var form = new MultipartFormDataContent();
        // An image classifier with a text vocab: it loads, but it is not a text encoder.
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(SampleModels.ResNet18.ModelPath)), "model", "model.onnx");
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(SampleModels.MiniLm.VocabPath!)), "vocab", "vocab.txt");

        var deploy = await http.PostAsync("/api/functions/not-a-text-encoder", form);
        var describe = await http.GetAsync("/api/functions/not-a-text-encoder");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, deploy.StatusCode);
        Assert.Contains("embeddings", await deploy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, describe.StatusCode);
    }

    internal static async Task DeployMiniLmAsync(OpenAIStoke stoke, string name)
    {
        using var http = stoke.Http();
        using var form = new MultipartFormDataContent();
        var model = new ByteArrayContent(await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath));
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(model, "model", "model.onnx");
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(SampleModels.MiniLm.VocabPath!)), "vocab", "vocab.txt");
        var response = await http.PostAsync($"/api/functions/{name}?keepAliveSeconds=300", form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
