using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Spec;

namespace Stoke.Pipelines.Transforms;

/// <summary>
/// A built-in step written in C#: it declares its inputs and outputs (checked against its neighbours at deploy) and
/// runs on this node in process. Bad data (an undecodable image) is a <see cref="Abstractions.Errors.StokeException"/>
/// of kind BadRequest.
/// </summary>
public interface ITransform
{
    /// <summary>The inputs the step wires, with the type and shape each must have.</summary>
    TensorSpec[] Inputs { get; }

    TensorSpec[] Outputs { get; }

    /// <summary>Runs on the wired inputs (by name); answers the outputs in <see cref="Outputs"/>' order.</summary>
    Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs);

    /// <summary>
    /// Row i of every output depends on row i of the inputs alone (dimension 0), so running it per row and joining
    /// the rows gives what one run on all rows gives: it may then fuse into each call of a splitter.
    /// </summary>
    bool RowWise => false;
}

/// <summary>Makes a transform from a step's parameters; registered by <see cref="Name"/> in the <see cref="TransformCatalog"/>.</summary>
public interface ITransformFactory
{
    string Name { get; }

    /// <summary>One line for the docs and the error on an unknown name.</summary>
    string Summary { get; }

    /// <summary>Reads and checks the parameters (a bad one is a 400 naming it).</summary>
    ITransform Create(TransformSettings settings);
}

/// <summary>A transform step's parameters, the inputs it wires and the pipeline's files, with typed readers that name the field on error.</summary>
public sealed class TransformSettings(string step, JsonObject parameters, IReadOnlyCollection<string> wired, IReadOnlyDictionary<string, string> files)
{
    public string Step => step;

    public bool Wires(string input) => wired.Contains(input);

    public float Float(string key, float fallback) => parameters[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue<double>(out var d) && double.IsFinite(d) => (float)d,
        _ => throw Bad(key, "must be a number"),
    };

    public int Int(string key, int fallback, int min = int.MinValue)
    {
        var value = parameters[key] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            _ => throw Bad(key, "must be an integer"),
        };
        return value >= min ? value : throw Bad(key, $"must be at least {min}");
    }

    public bool Bool(string key, bool fallback) => parameters[key] switch
    {
        null => fallback,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Bad(key, "must be true or false"),
    };

    public float[] Floats(string key, float[] fallback, int length) => parameters[key] switch
    {
        null => fallback,
        JsonArray a when a.Count == length && a.All(n => n is JsonValue v && v.TryGetValue<double>(out _)) => [.. a.Select(n => (float)n!.GetValue<double>())],
        _ => throw Bad(key, $"must be an array of {length} numbers"),
    };

    /// <summary>The text of the pipeline file that parameter <paramref name="key"/> names.</summary>
    public string File(string key)
    {
        var name = parameters[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Bad(key, "must name a file of the pipeline's 'files'");
        return files.TryGetValue(name, out var text) ? text : throw Bad(key, $"names file '{name}', which the pipeline's 'files' do not have");
    }

    public Abstractions.Errors.StokeException Bad(string key, string problem) => SpecError.At(step, "parameters." + key, problem);
}
