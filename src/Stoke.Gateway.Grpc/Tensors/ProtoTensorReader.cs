using Google.Protobuf.Collections;
using Inference;
using Stoke.Abstractions.Tensors;
using Stoke.OpenInference;

namespace Stoke.Gateway.Grpc.Tensors;

/// <summary>
/// Turns a <see cref="ModelInferRequest"/> into the platform's request: raw contents are taken as they are (the
/// platform's own tensor layout), typed contents are packed into it. Sizes against shapes are then checked by
/// <see cref="OipValidator"/>, as for REST; this reader refuses what only the proto can get wrong.
/// </summary>
internal static class ProtoTensorReader
{
    /// <summary>The request parameter that asks for every output as raw bytes (or, false, as typed contents).</summary>
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>The requested-output parameter that asks for that output as raw bytes.</summary>
    public const string BinaryData = "binary_data";

    /// <exception cref="OipException">400: the request is malformed.</exception>
    public static OipInferRequest Read(ModelInferRequest request)
    {
        var raw = request.RawInputContents;
        if (raw.Count > 0 && raw.Count != request.Inputs.Count)
        {
            throw OipException.BadRequest(
                $"raw_input_contents has {raw.Count} entries but the request has {request.Inputs.Count} inputs; give one per input, in the order of inputs");
        }

        var inputs = new Tensor[request.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = ReadInput(request.Inputs[i], raw.Count > 0 ? raw[i].ToByteArray() : null);
        }

        var outputs = request.Outputs.Select(o => new OipRequestedOutput(o.Name, IsTrue(o.Parameters, BinaryData))).ToArray();
        var parameters = request.Parameters.ToDictionary(p => p.Key, p => Value(p.Key, p.Value));
        var platform = new InferenceRequest(
            request.Id.Length > 0 ? request.Id : null, inputs, outputs.Length > 0 ? [.. outputs.Select(o => o.Name)] : null);
        return new OipInferRequest(platform, outputs, parameters);
    }

    private static Tensor ReadInput(ModelInferRequest.Types.InferInputTensor input, byte[]? raw)
    {
        var name = input.Name;
        if (!TensorDataTypes.TryParse(input.Datatype, out var type))
        {
            throw OipException.BadRequest($"input '{name}' has unknown datatype '{input.Datatype}'");
        }

        long[] shape = [.. input.Shape];
        if (raw is not null)
        {
            return input.Contents is null
                ? new Tensor(name, type, shape, raw)
                : throw OipException.BadRequest($"input '{name}' has contents, but the request sends raw_input_contents; use one or the other for all inputs");
        }

        if (input.Contents is null)
        {
            throw OipException.BadRequest($"input '{name}' has no contents, and the request sends no raw_input_contents");
        }

        return new Tensor(name, type, shape, ProtoContents.Pack(name, type, ElementCount(name, shape), input.Contents));
    }

    private static long ElementCount(string name, long[] shape)
    {
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw OipException.BadRequest($"input '{name}' has shape {TensorShape.Format(shape)} with a negative dimension");
            }
        }

        try
        {
            return TensorShape.ElementCount(shape);
        }
        catch (OverflowException e)
        {
            throw OipException.BadRequest($"input '{name}' has shape {TensorShape.Format(shape)}, too many elements", e);
        }
    }

    private static bool IsTrue(MapField<string, InferParameter> parameters, string key) =>
        parameters.TryGetValue(key, out var p) && p.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.BoolParam && p.BoolParam;

    // The values OipInferRequest takes: string, long, double or bool (a uint64 beyond long's range stays a double).
    private static object Value(string key, InferParameter p) => p.ParameterChoiceCase switch
    {
        InferParameter.ParameterChoiceOneofCase.BoolParam => p.BoolParam,
        InferParameter.ParameterChoiceOneofCase.Int64Param => p.Int64Param,
        InferParameter.ParameterChoiceOneofCase.StringParam => p.StringParam,
        InferParameter.ParameterChoiceOneofCase.DoubleParam => p.DoubleParam,
        InferParameter.ParameterChoiceOneofCase.Uint64Param => p.Uint64Param <= long.MaxValue ? (long)p.Uint64Param : (double)p.Uint64Param,
        _ => throw OipException.BadRequest($"parameter '{key}' has no value"),
    };
}
