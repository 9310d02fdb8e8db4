using System.Globalization;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Partitioning;
using Stoke.Partitioning.Planning;

namespace Stoke.Pipelines.Tests.Support;

/// <summary>
/// A real node with PaddleOCR's direction classifier deployed whole (<c>cls-whole</c>) and cut into two slices by the
/// partitioner (<c>cls-part1</c>, <c>cls-part2</c>): two real models always called one after the other.
/// </summary>
public sealed class ClassifierSlices : IAsyncLifetime
{
    public EmbeddedStoke Node { get; private set; } = null!;

    /// <summary>What part2 takes from part1 (the tensors live across the cut).</summary>
    public string[] Passed { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = Node.Client();
        Passed = await DeployAsync(client, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
    }

    /// <summary>Deploys cls-whole, cls-part1 and cls-part2 with <paramref name="settings"/>; returns what part2 takes from part1.</summary>
    public static async Task<string[]> DeployAsync(StokeClient client, Dictionary<string, string> settings)
    {
        var model = OcrNode.ClassifierBytes();
        var result = ModelPartitioner.Partition(model, "cls", new PartitionOptions { Parts = 2 });
        await client.DeployAsync("cls-whole", model, settings);
        await client.DeployAsync("cls-part1", result.Slices[0], settings);
        await client.DeployAsync("cls-part2", result.Slices[1], settings);
        return [.. result.Plan.Slices[1].Inputs.Select(i => i.Name)];
    }

    public JsonObject Spec(string fusion = "auto") => Spec(Passed, fusion);

    /// <summary>part1 then part2, each pinned to version 1; the pipeline answers with part2's <c>softmax_0.tmp_0</c> as <c>probs</c>.</summary>
    public static JsonObject Spec(string[] passed, string fusion) => new()
    {
        ["fusion"] = fusion,
        ["inputs"] = new JsonArray(new JsonObject { ["name"] = "x", ["datatype"] = "FP32", ["shape"] = new JsonArray(-1, 3, 48, 192) }),
        ["steps"] = new JsonArray(
            new JsonObject { ["name"] = "part1", ["function"] = "cls-part1", ["version"] = 1, ["inputs"] = new JsonObject { ["x"] = "input.x" } },
            new JsonObject
            {
                ["name"] = "part2", ["function"] = "cls-part2", ["version"] = 1,
                ["inputs"] = new JsonObject([.. passed.Select(p => KeyValuePair.Create(p, (JsonNode?)("part1." + p)))]),
            }),
        ["outputs"] = new JsonObject { ["probs"] = "part2.softmax_0.tmp_0" },
    };

    /// <summary>Two different deterministic line images, as one OIP JSON request of batch 2.</summary>
    public static string Request()
    {
        var pixels = Enumerable.Range(0, 2 * 3 * 48 * 192).Select(i => MathF.Sin(i * (i < 3 * 48 * 192 ? 0.01f : 0.037f)));
        return $$"""{"inputs":[{"name":"x","shape":[2,3,48,192],"datatype":"FP32","data":[{{string.Join(",", pixels.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))}}]}]}""";
    }

    public static float[] Floats(InferResponse response, string output) =>
        [.. response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == output)!["data"]!.AsArray().Select(v => v!.GetValue<float>())];

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
