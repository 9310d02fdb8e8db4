using System.Net;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx;
using Stoke.Integration.Tests.Support;
using Stoke.Samples;

namespace Stoke.Integration.Tests;

/// <summary>The sample models restored from NuGet serve correctly end to end.</summary>
public sealed class SampleModelTests(SharedStoke stoke) : IClassFixture<SharedStoke>
{
    [Fact]
    public async Task MiniLmOverHttpMatchesDirectOnnxRuntime()
    {
        var bytes = File.ReadAllBytes(SampleModels.MiniLm.ModelPath);
        using var client = stoke.Node.Client();
        await client.DeployAsync("minilm", bytes, new Dictionary<string, string> { ["keepAliveSeconds"] = "60" });

        var response = await client.InferAsync("minilm", TestModels.MiniLmJson(8));
        var served = response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "last_hidden_state")!["data"]!.AsArray()
            .Select(v => (float)v!.GetValue<double>()).ToArray();

        using var session = new OnnxEngine().Load(bytes, new EngineLoadOptions());
        var direct = session.Run(MiniLmTensors(8), ["last_hidden_state"])[0];
        var expected = new float[direct.Data.Length / 4];
        Buffer.BlockCopy(direct.Data, 0, expected, 0, direct.Data.Length);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected.Length, served.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], served[i], 4);
        }
    }

    [Fact]
    public async Task ResNetWithFixedBatchOfOneIsNeverMerged()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("resnet18", File.ReadAllBytes(SampleModels.ResNet18.ModelPath), new Dictionary<string, string>
        {
            ["maxBatchSize"] = "8", ["maxQueueDelayMs"] = "20", ["maxInstances"] = "1", ["keepAliveSeconds"] = "60",
        });
        var image = new byte[3 * 224 * 224 * 4];
        new Random(7).NextBytes(image);
        for (var i = 0; i < image.Length; i += 4)
        {
            BitConverter.TryWriteBytes(image.AsSpan(i), (float)(image[i] / 255.0));
        }

        var header = $$$"""{"inputs":[{"name":"Input247","shape":[1,3,224,224],"datatype":"FP32","parameters":{"binary_data_size":{{{image.Length}}}}}]}""";
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.InferBinaryAsync("resnet18", header, image)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(responses, r => Assert.Equal("1", r.Header("Stoke-Batch-Size")));
        Assert.Equal(new JsonArray(1, 512, 1, 1).ToJsonString(), responses[0].Json!["outputs"]![0]!["shape"]!.ToJsonString());
    }

    private static Tensor[] MiniLmTensors(int tokens)
    {
        long[] ids = Enumerable.Range(0, tokens).Select(i => (long)(i == 0 ? 101 : i == tokens - 1 ? 102 : 2000 + i)).ToArray();
        return [Int64("input_ids", ids), Int64("attention_mask", Enumerable.Repeat(1L, tokens).ToArray()), Int64("token_type_ids", new long[tokens])];
    }

    private static Tensor Int64(string name, long[] values)
    {
        var data = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        return new Tensor(name, TensorDataType.Int64, [1, values.Length], data);
    }
}
