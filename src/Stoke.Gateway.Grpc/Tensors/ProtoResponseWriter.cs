using Google.Protobuf;
using Inference;
using Stoke.Abstractions.Tensors;
using Stoke.OpenInference;

namespace Stoke.Gateway.Grpc.Tensors;

/// <summary>
/// Builds the <see cref="ModelInferResponse"/>. The spec lets a response carry all its outputs either raw or typed,
/// never mixed, so one rule picks for the whole response (<see cref="WantsRaw"/>).
/// </summary>
internal static class ProtoResponseWriter
{
    public static ModelInferResponse Write(IReadOnlyList<Tensor> outputs, ModelInferRequest request, OipInferRequest parsed, string modelVersion)
    {
        var included = outputs.Where(o => parsed.Includes(o.Name)).ToArray();
        var raw = WantsRaw(request, parsed, included);
        var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = modelVersion, Id = request.Id };
        foreach (var tensor in included)
        {
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = tensor.Name, Datatype = tensor.DataType.ToWireName() };
            output.Shape.AddRange(tensor.Shape);
            if (raw)
            {
                // The tensor's bytes are not written again after the engine made them, so they are wrapped, not copied.
                response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(tensor.Data));
            }
            else
            {
                output.Contents = ProtoContents.Unpack(tensor);
            }

            response.Outputs.Add(output);
        }

        return response;
    }

    /// <summary>
    /// Raw outputs when the request sent raw inputs, or asked for binary data (the request parameter
    /// <c>binary_data_output</c>, or <c>binary_data</c> on any requested output), or when an output has no typed field
    /// (FP16); <c>binary_data_output=false</c> asks a raw request for typed outputs.
    /// </summary>
    public static bool WantsRaw(ModelInferRequest request, OipInferRequest parsed, IReadOnlyList<Tensor> outputs)
    {
        if (outputs.Any(o => !ProtoContents.HasTypedField(o.DataType)))
        {
            return true;
        }

        if (parsed.Parameters.TryGetValue(ProtoTensorReader.BinaryDataOutput, out var asked) && asked is bool wanted)
        {
            return wanted;
        }

        return request.RawInputContents.Count > 0 || parsed.Outputs.Any(o => o.BinaryData);
    }
}
