using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>A second, independent client: Node's grpc-js loading the same proto file at run time.</summary>
[Collection(GrpcCollection.Name)]
public sealed class NodeClientTests(GrpcStoke stoke)
{
    [Fact]
    public async Task GrpcJsClientGetsTheSameOutputsAsTheDotNetClient()
    {
        var input = new ClassifierInput(seed: 0.45f);
        var inputFile = Path.Combine(Path.GetTempPath(), $"stoke-grpc-input-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(inputFile, JsonSerializer.Serialize(new { shape = input.Shape, values = input.Values }));
        var expected = (await stoke.Grpc.ModelInferAsync(input.Typed(), GrpcStoke.Auth())).Outputs[0].Contents.Fp32Contents.ToArray();

        string output;
        try
        {
            output = await NodeClient.RunAsync(
                stoke.GrpcAddress.Authority, GrpcStoke.Key, GrpcStoke.Model, inputFile);
        }
        finally
        {
            File.Delete(inputFile);
        }

        var answer = JsonNode.Parse(output)!;
        Assert.True(answer["live"]!.GetValue<bool>());
        Assert.Equal("FP32", answer["inputs"]![0]!["datatype"]!.GetValue<string>());
        Assert.Equal("node-typed", answer["typed"]!["id"]!.GetValue<string>());
        Assert.Equal(expected, Floats(answer["typed"]!["values"]!));
        Assert.Equal(expected, Floats(answer["raw"]!["values"]!));
        Assert.Equal("[1,2]", answer["raw"]!["shape"]!.ToJsonString());
        // grpc-js's UNAUTHENTICATED is 16.
        Assert.Equal(16, answer["unauthenticated"]!["code"]!.GetValue<int>());
    }

    private static float[] Floats(JsonNode values) =>
        [.. values.AsArray().Select(v => (float)double.Parse(v!.ToJsonString(), CultureInfo.InvariantCulture))];
}
