using System.Buffers;
using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>Writes the protocol's small documents: server and model metadata, readiness and the error object.</summary>
public static class OipMetadataWriter
{
    /// <summary><c>{"name","version","extensions":[...]}</c> for <c>GET /v2</c>.</summary>
    public static void WriteServerMetadata(IBufferWriter<byte> output, string name, string version, IEnumerable<string> extensions)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WriteString("version"u8, version);
        writer.WriteStartArray("extensions"u8);
        foreach (var e in extensions)
        {
            writer.WriteStringValue(e);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{"name","versions","platform","inputs","outputs"}</c> for <c>GET /v2/models/{name}</c>; dynamic dimensions
    /// are written as -1. <paramref name="platform"/> is e.g. <c>onnx_onnxv1</c>.
    /// </summary>
    public static void WriteModelMetadata(
        IBufferWriter<byte> output,
        string name,
        IEnumerable<string> versions,
        string platform,
        ModelSignature signature)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WriteStartArray("versions"u8);
        foreach (var v in versions)
        {
            writer.WriteStringValue(v);
        }

        writer.WriteEndArray();
        writer.WriteString("platform"u8, platform);
        WriteTensors(writer, "inputs"u8, signature.Inputs);
        WriteTensors(writer, "outputs"u8, signature.Outputs);
        writer.WriteEndObject();
    }

    /// <summary><c>{"name","ready"}</c> for the model ready endpoint.</summary>
    public static void WriteModelReady(IBufferWriter<byte> output, string name, bool ready)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WriteBoolean("ready"u8, ready);
        writer.WriteEndObject();
    }

    /// <summary><c>{"error": message}</c>, the body of every failed request.</summary>
    public static void WriteError(IBufferWriter<byte> output, string message)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("error"u8, message);
        writer.WriteEndObject();
    }

    private static void WriteTensors(Utf8JsonWriter writer, ReadOnlySpan<byte> property, TensorSpec[] specs)
    {
        writer.WriteStartArray(property);
        foreach (var spec in specs)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, spec.Name);
            writer.WriteString("datatype"u8, spec.DataType.ToWireName());
            OipResponseWriter.WriteShape(writer, "shape"u8, spec.Shape);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
