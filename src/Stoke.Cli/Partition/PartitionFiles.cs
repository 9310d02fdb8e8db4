using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Partitioning.Planning;

namespace Stoke.Cli.Partition;

/// <summary>
/// What <c>stoke partition</c> writes: each slice as <c>NAME-partK.onnx</c>, the plan as <c>plan.json</c>, and with
/// <c>--deploy</c> the sequence pipeline over the deployed slices as <c>pipeline.json</c> (docs/pipelines.md).
/// </summary>
internal static class PartitionFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the slices and plan.json into <paramref name="directory"/>; returns the plan file's path.</summary>
    public static string Write(PartitionResult result, DirectoryInfo directory)
    {
        directory.Create();
        for (var i = 0; i < result.Slices.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(directory.FullName, result.Plan.Slices[i].File), result.Slices[i]);
        }

        var plan = Path.Combine(directory.FullName, "plan.json");
        File.WriteAllText(plan, JsonSerializer.Serialize(result.Plan, Json));
        return plan;
    }

    /// <summary>The function name slice <paramref name="number"/> deploys as.</summary>
    public static string FunctionName(string pipeline, int number) => $"{pipeline}-part{number}";

    /// <summary>
    /// A sequence pipeline <c>part1 -> ... -> partN</c> over the functions <c>NAME-partK</c>: each step's inputs are the
    /// previous step's outputs of the same names (the first step's are the pipeline's inputs), the last step's outputs
    /// are the pipeline's.
    /// </summary>
    public static JsonObject SequenceSpec(PartitionPlan plan, string pipeline)
    {
        var steps = new JsonArray();
        foreach (var slice in plan.Slices)
        {
            var source = slice.Number == 1 ? "input" : $"part{slice.Number - 1}";
            var inputs = new JsonObject();
            foreach (var input in slice.Inputs)
            {
                inputs[input.Name] = $"{source}.{input.Name}";
            }

            steps.Add(new JsonObject
            {
                ["name"] = $"part{slice.Number}",
                ["kind"] = "sequence",
                ["function"] = FunctionName(pipeline, slice.Number),
                ["inputs"] = inputs,
            });
        }

        var last = plan.Slices[^1];
        var outputs = new JsonObject();
        foreach (var output in last.Outputs)
        {
            outputs[output.Name] = $"part{last.Number}.{output.Name}";
        }

        return new JsonObject
        {
            ["description"] = $"{plan.Model} partitioned into {plan.Slices.Count} slices by stoke partition",
            ["inputs"] = new JsonArray([.. plan.Slices[0].Inputs.Select(Tensor)]),
            ["steps"] = steps,
            ["outputs"] = outputs,
        };
    }

    /// <summary>Writes <see cref="SequenceSpec"/> as pipeline.json in <paramref name="directory"/>; returns its path.</summary>
    public static string WriteSequenceSpec(PartitionPlan plan, string pipeline, DirectoryInfo directory)
    {
        var path = Path.Combine(directory.FullName, "pipeline.json");
        File.WriteAllText(path, SequenceSpec(plan, pipeline).ToJsonString(Json));
        return path;
    }

    private static JsonObject Tensor(BoundaryTensor tensor) => new()
    {
        ["name"] = tensor.Name,
        ["datatype"] = WireType(tensor.ElementType),
        ["shape"] = new JsonArray([.. tensor.Shape.Select(d => (JsonNode)(long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))]),
    };

    // ONNX element type names to the Open Inference Protocol's datatypes.
    private static string WireType(string onnx) => onnx switch
    {
        "float" => "FP32",
        "double" => "FP64",
        "float16" => "FP16",
        "bfloat16" => "BF16",
        "string" => "BYTES",
        _ => onnx.ToUpperInvariant(),
    };
}
