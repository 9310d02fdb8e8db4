using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Fusion;

namespace Stoke.Pipelines.Spec;

/// <summary>Reads a pipeline spec from JSON with errors that name the field, and writes it back (how it is stored).</summary>
public static class PipelineSpecJson
{
    private static readonly string[] TopFields = ["description", "inputs", "steps", "outputs", "files", "prewarm", "fusion", "maxFusedMb"];
    private static readonly string[] StepFields =
        ["name", "kind", "function", "version", "transform", "inputs", "parameters", "on", "cases", "default", "members", "combine"];

    public static PipelineSpec Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw SpecError.At(null, "(document)", "not valid JSON: " + ex.Message);
        }

        if (root is not JsonObject top)
        {
            throw SpecError.At(null, "(document)", "must be a JSON object with 'inputs', 'steps' and 'outputs'");
        }

        Unknown(top, TopFields, null, "");
        var inputs = Array(top, "inputs", null).Select((n, i) => Input(n, $"inputs[{i}]")).ToArray();
        var steps = Array(top, "steps", null).Select((n, i) => Step(n, i)).ToArray();
        var outputs = StringMap(top["outputs"], null, "outputs");
        var files = StringMap(top["files"], null, "files");
        return new PipelineSpec
        {
            Description = Text(top, "description", null, "description"),
            Inputs = inputs,
            Steps = steps,
            Outputs = outputs,
            Files = files,
            Prewarm = top["prewarm"] switch
            {
                null => true,
                JsonValue p when p.GetValueKind() is JsonValueKind.True or JsonValueKind.False => p.GetValue<bool>(),
                _ => throw SpecError.At(null, "prewarm", "must be true or false"),
            },
            Fusion = FusionPolicies.ByName(Text(top, "fusion", null, "fusion") ?? FusionPolicies.Default).Name,
            MaxFusedMb = top["maxFusedMb"] switch
            {
                null => PipelineSpec.DefaultMaxFusedMb,
                JsonValue m when m.GetValueKind() == JsonValueKind.Number && m.GetValue<double>() is >= 0 and var mb && double.IsFinite(mb) => mb,
                _ => throw SpecError.At(null, "maxFusedMb", "must be a number of MiB, 0 or more"),
            },
        };
    }

    public static string Write(PipelineSpec spec)
    {
        var top = new JsonObject
        {
            ["description"] = spec.Description,
            ["prewarm"] = spec.Prewarm,
            ["fusion"] = spec.Fusion,
            ["maxFusedMb"] = spec.MaxFusedMb,
            ["inputs"] = new JsonArray([.. spec.Inputs.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name, ["datatype"] = i.DataType.ToWireName(), ["shape"] = new JsonArray([.. i.Shape.Select(d => (JsonNode)d)]),
            })]),
            ["steps"] = new JsonArray([.. spec.Steps.Select(WriteStep)]),
            ["outputs"] = Map(spec.Outputs),
            ["files"] = Map(spec.Files),
        };
        return top.ToJsonString();
    }

    private static JsonObject WriteStep(StepSpec s)
    {
        var o = new JsonObject { ["name"] = s.Name, ["kind"] = s.Kind.ToString().ToLowerInvariant() };
        if (s.Function is not null) { o["function"] = s.Function; }
        if (s.Version is not null) { o["version"] = s.Version; }
        if (s.Transform is not null) { o["transform"] = s.Transform; }
        o["inputs"] = Map(s.Inputs);
        o["parameters"] = s.Parameters.DeepClone();
        if (s.On is not null) { o["on"] = s.On; }
        if (s.Cases.Length > 0)
        {
            o["cases"] = new JsonArray([.. s.Cases.Select(c => (JsonNode)new JsonObject { ["step"] = c.Step, ["equals"] = c.EqualsValue, ["above"] = c.Above, ["below"] = c.Below })]);
        }

        if (s.Default is not null) { o["default"] = s.Default; }
        if (s.Members.Length > 0) { o["members"] = new JsonArray([.. s.Members.Select(m => (JsonNode)m)]); o["combine"] = s.Combine; }
        return o;
    }

    private static JsonObject Map(Dictionary<string, string> map) => new([.. map.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);

    private static TensorSpec Input(JsonNode? node, string field)
    {
        if (node is not JsonObject o || Text(o, "name", null, field) is not { Length: > 0 } name)
        {
            throw SpecError.At(null, field, "each input needs a 'name', a 'datatype' and a 'shape'");
        }

        var wire = Text(o, "datatype", null, field + ".datatype");
        if (!TensorDataTypes.TryParse(wire, out var type))
        {
            throw SpecError.At(null, field + ".datatype", $"unknown datatype '{wire}'");
        }

        var shape = o["shape"] is JsonArray dims
            ? dims.Select(d => d is JsonValue v && v.TryGetValue<long>(out var l) && l >= -1 ? l : throw SpecError.At(null, field + ".shape", "dimensions are integers, -1 for a free one")).ToArray()
            : throw SpecError.At(null, field + ".shape", "missing");
        return new TensorSpec(name, type, shape);
    }

    private static StepSpec Step(JsonNode? node, int index)
    {
        if (node is not JsonObject o)
        {
            throw SpecError.At(null, $"steps[{index}]", "each step is an object");
        }

        var name = Text(o, "name", null, $"steps[{index}].name") ?? throw SpecError.At(null, $"steps[{index}].name", "every step needs a name");
        Unknown(o, StepFields, name, "");
        var kindText = Text(o, "kind", name, "kind") ?? "sequence";
        if (!Enum.TryParse<StepKind>(kindText, ignoreCase: true, out var kind) || kindText.Any(char.IsDigit))
        {
            throw SpecError.At(name, "kind", $"unknown kind '{kindText}'; known: sequence, switch, ensemble, splitter");
        }

        int? version = null;
        if (o["version"] is JsonNode v)
        {
            version = v is JsonValue jv && jv.TryGetValue<int>(out var n) && n > 0 ? n : throw SpecError.At(name, "version", "must be a positive integer");
        }

        return new StepSpec
        {
            Name = name,
            Kind = kind,
            Function = Text(o, "function", name, "function"),
            Version = version,
            Transform = Text(o, "transform", name, "transform"),
            Inputs = StringMap(o["inputs"], name, "inputs"),
            Parameters = o["parameters"] switch
            {
                null => [],
                JsonObject p => (JsonObject)p.DeepClone(),
                _ => throw SpecError.At(name, "parameters", "must be an object"),
            },
            On = Text(o, "on", name, "on"),
            Cases = o["cases"] is JsonArray cases ? cases.Select((c, i) => Case(c, name, $"cases[{i}]")).ToArray() : [],
            Default = Text(o, "default", name, "default"),
            Members = o["members"] is JsonArray members ? members.Select((m, i) => m?.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : throw SpecError.At(name, $"members[{i}]", "must be a step name")).ToArray() : [],
            Combine = Text(o, "combine", name, "combine") ?? "mean",
        };
    }

    private static SwitchCase Case(JsonNode? node, string step, string field)
    {
        if (node is not JsonObject o || Text(o, "step", step, field + ".step") is not { } target)
        {
            throw SpecError.At(step, field, "each case needs a 'step' and one of 'equals', 'above', 'below'");
        }

        var equals = o["equals"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString(CultureInfo.InvariantCulture),
            _ => throw SpecError.At(step, field + ".equals", "must be a string or a number"),
        };
        var result = new SwitchCase(target, equals, Number(o, "above", step, field), Number(o, "below", step, field));
        return (result.EqualsValue is null ? 0 : 1) + (result.Above is null ? 0 : 1) + (result.Below is null ? 0 : 1) == 1
            ? result
            : throw SpecError.At(step, field, "give exactly one of 'equals', 'above', 'below'");
    }

    private static double? Number(JsonObject o, string key, string step, string field) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => throw SpecError.At(step, $"{field}.{key}", "must be a number"),
    };

    private static JsonArray Array(JsonObject o, string key, string? step) =>
        o[key] as JsonArray ?? throw SpecError.At(step, key, "missing or not an array");

    private static string? Text(JsonObject o, string key, string? step, string field) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw SpecError.At(step, field, "must be a string"),
    };

    private static Dictionary<string, string> StringMap(JsonNode? node, string? step, string field)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonObject o)
        {
            throw SpecError.At(step, field, "must be an object of names to strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in o)
        {
            map[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw SpecError.At(step, $"{field}.{key}", "must be a string");
        }

        return map;
    }

    private static void Unknown(JsonObject o, string[] known, string? step, string prefix)
    {
        foreach (var (key, _) in o)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                throw SpecError.At(step, prefix + key, $"unknown field; known: {string.Join(", ", known)}");
            }
        }
    }
}
