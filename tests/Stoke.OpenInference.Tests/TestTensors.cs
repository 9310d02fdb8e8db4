using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference.Tests;

/// <summary>Builders for raw tensors and request bodies, so tests state values instead of bytes.</summary>
internal static class TestTensors
{
    public static Tensor Of<T>(string name, TensorDataType type, long[] shape, params T[] values)
        where T : unmanaged =>
        new(name, type, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor Strings(string name, long[] shape, params string[] values) =>
        new(name, TensorDataType.Bytes, shape, EncodeBytes(values.Select(Encoding.UTF8.GetBytes).ToArray()));

    public static byte[] EncodeBytes(params byte[][] elements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var e in elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), e.Length);
            buffer.Advance(4);
            buffer.Write(e);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static OipInferRequest Parse(string json) => OipRequestReader.Read(Encoding.UTF8.GetBytes(json));

    public static OipException ParseFails(string json) =>
        Assert.Throws<OipException>(() => OipRequestReader.Read(Encoding.UTF8.GetBytes(json)));

    /// <summary>A one-input request body with the given datatype, shape and data JSON.</summary>
    public static string Body(string datatype, string shape, string data, string name = "x") =>
        $$"""{"inputs":[{"name":"{{name}}","shape":{{shape}},"datatype":"{{datatype}}","data":{{data}}}]}""";

    /// <summary>A JSON header plus binary tail, as a client using the binary extension sends it.</summary>
    public static (byte[] Body, int HeaderLength) BinaryBody(string json, params byte[][] tails)
    {
        var header = Encoding.UTF8.GetBytes(json);
        return ([.. header, .. tails.SelectMany(t => t)], header.Length);
    }

    /// <summary>
    /// Turns a response's outputs back into a request's inputs (the two have the same tensor layout, also in
    /// binary form), so a round trip can be checked through the reader.
    /// </summary>
    public static OipInferRequest ResponseAsRequest(byte[] response, int? headerLength)
    {
        var jsonLength = headerLength ?? response.Length;
        var doc = JsonNode.Parse(response.AsSpan(0, jsonLength))!;
        var outputs = doc["outputs"]!.DeepClone();
        var header = Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = outputs }.ToJsonString());
        byte[] body = [.. header, .. response.AsSpan(jsonLength)];
        return OipRequestReader.Read(body, headerLength is null ? null : header.Length);
    }

    public static byte[] WriteResponse(InferenceResult result, OipInferRequest? request, out int? headerLength)
    {
        var buffer = new ArrayBufferWriter<byte>();
        headerLength = OipResponseWriter.Write(buffer, result, "m", "1", "req-1", request);
        return buffer.WrittenSpan.ToArray();
    }

    public static JsonElement Json(byte[] utf8, int? length = null) =>
        JsonDocument.Parse(utf8.AsMemory(0, length ?? utf8.Length)).RootElement;
}
