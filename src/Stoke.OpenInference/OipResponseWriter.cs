using System.Buffers;
using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>
/// Serializes an inference result as the protocol's response: all JSON, or (when the request asked for
/// binary outputs) a JSON header followed by the raw bytes of the binary outputs in order.
/// </summary>
public static class OipResponseWriter
{
    /// <summary>Writes the response to <paramref name="output"/>.</summary>
    /// <param name="output">Receives the body.</param>
    /// <param name="result">The outputs the model produced.</param>
    /// <param name="modelName">The model's name, echoed as <c>model_name</c>.</param>
    /// <param name="modelVersion">The version that served the request, or null to leave <c>model_version</c> out.</param>
    /// <param name="id">The request's id, or null to leave <c>id</c> out.</param>
    /// <param name="request">The parsed request: which outputs to include and which as binary; null for all, as JSON.</param>
    /// <returns>
    /// The JSON header's length for the <c>Inference-Header-Content-Length</c> response header (with content type
    /// <c>application/octet-stream</c>) when binary data follows it; null when the body is JSON only.
    /// </returns>
    public static int? Write(
        IBufferWriter<byte> output,
        InferenceResult result,
        string modelName,
        string? modelVersion,
        string? id,
        OipInferRequest? request = null)
    {
        var anyBinary = false;
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name"u8, modelName);
            if (modelVersion is not null)
            {
                writer.WriteString("model_version"u8, modelVersion);
            }

            if (id is not null)
            {
                writer.WriteString("id"u8, id);
            }

            writer.WriteStartArray("outputs"u8);
            foreach (var tensor in result.Outputs)
            {
                if (request is not null && !request.Includes(tensor.Name))
                {
                    continue;
                }

                var binary = request?.WantsBinary(tensor.Name) == true;
                anyBinary |= binary;
                writer.WriteStartObject();
                writer.WriteString("name"u8, tensor.Name);
                writer.WriteString("datatype"u8, tensor.DataType.ToWireName());
                WriteShape(writer, "shape"u8, tensor.Shape);
                if (binary)
                {
                    writer.WriteStartObject("parameters"u8);
                    writer.WriteNumber("binary_data_size"u8, tensor.Data.Length);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WritePropertyName("data"u8);
                    TensorDataWriter.Write(writer, tensor);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();

            if (!anyBinary)
            {
                return null;
            }

            var headerLength = checked((int)writer.BytesCommitted);
            foreach (var tensor in result.Outputs)
            {
                if ((request is null || request.Includes(tensor.Name)) && request?.WantsBinary(tensor.Name) == true)
                {
                    output.Write(tensor.Data);
                }
            }

            return headerLength;
        }
    }

    internal static void WriteShape(Utf8JsonWriter writer, ReadOnlySpan<byte> property, long[] shape)
    {
        writer.WriteStartArray(property);
        foreach (var d in shape)
        {
            writer.WriteNumberValue(d);
        }

        writer.WriteEndArray();
    }
}
