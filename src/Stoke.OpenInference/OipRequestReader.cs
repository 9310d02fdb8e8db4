using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>
/// Parses an Open Inference Protocol v2 infer request body, JSON or JSON header plus binary tensor data,
/// into raw tensors. Every malformed body ends in an <see cref="OipException"/> (400) naming what is wrong.
/// </summary>
public static class OipRequestReader
{
    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, int?)"/>
    public static OipInferRequest Read(ReadOnlyMemory<byte> body, int? headerLength = null) => Read(body.Span, headerLength);

    /// <summary>Parses <paramref name="body"/>.</summary>
    /// <param name="body">The whole HTTP request body.</param>
    /// <param name="headerLength">
    /// The <c>Inference-Header-Content-Length</c> header: the JSON is the first this many bytes and the rest is
    /// binary tensor data; null when the body is JSON only.
    /// </param>
    public static OipInferRequest Read(ReadOnlySpan<byte> body, int? headerLength = null)
    {
        var json = body;
        ReadOnlySpan<byte> tail = default;
        if (headerLength is { } h)
        {
            if (h < 0 || h > body.Length)
            {
                throw OipException.BadRequest(
                    $"{OipProtocol.HeaderContentLengthHeader} is {h} but the body has {body.Length} bytes");
            }

            json = body[..h];
            tail = body[h..];
        }

        try
        {
            return Parse(json, tail, binary: headerLength is not null);
        }
        catch (JsonException ex)
        {
            throw OipException.BadRequest("the request body is not valid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // Defensive: a reader accessor used on an unexpected token; still the client's malformed body.
            throw OipException.BadRequest("the request body is not a valid infer request: " + ex.Message, ex);
        }
        catch (OverflowException ex)
        {
            throw OipException.BadRequest("the request body describes a tensor too large to hold: " + ex.Message, ex);
        }
    }

    private static OipInferRequest Parse(ReadOnlySpan<byte> json, ReadOnlySpan<byte> tail, bool binary)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        if (json.Trim(" \t\r\n"u8).IsEmpty || !reader.Read())
        {
            throw OipException.BadRequest("the request body is empty; expected a JSON infer request object");
        }

        JsonTokens.Expect(ref reader, JsonTokenType.StartObject, "the request body");

        string? id = null;
        Tensor[]? inputs = null;
        List<OipRequestedOutput>? outputs = null;
        Dictionary<string, object>? parameters = null;
        var tailUsed = 0;

        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (JsonTokens.SkipNullMember(ref reader))
            {
                // An optional member given as null ("id": null) is the same as leaving it out.
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = JsonTokens.ReadString(ref reader, "'id'");
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                parameters = ReadParameters(ref reader, "'parameters'");
            }
            else if (reader.ValueTextEquals("inputs"u8))
            {
                inputs = ReadInputs(ref reader, json.Length, binary, tail, ref tailUsed);
            }
            else if (reader.ValueTextEquals("outputs"u8))
            {
                outputs = ReadOutputs(ref reader);
            }
            else
            {
                // Unknown members are ignored so clients of newer protocol revisions still work.
                JsonTokens.Next(ref reader);
                reader.Skip();
            }
        }

        // Trailing bytes after the object (other than whitespace) make the reader throw here.
        if (reader.Read())
        {
            throw OipException.BadRequest("the request body has content after the JSON object");
        }

        if (inputs is null)
        {
            throw OipException.BadRequest("the request has no 'inputs'");
        }

        if (tailUsed != tail.Length)
        {
            throw OipException.BadRequest(
                $"the inputs' binary_data_size add up to {tailUsed} bytes but {tail.Length} bytes follow the JSON header");
        }

        string[]? requested = null;
        if (outputs is not null)
        {
            requested = new string[outputs.Count];
            for (var i = 0; i < outputs.Count; i++)
            {
                requested[i] = outputs[i].Name;
            }
        }

        return new OipInferRequest(new InferenceRequest(id, inputs, requested), outputs, parameters);
    }

    private static Tensor[] ReadInputs(ref Utf8JsonReader reader, int jsonLength, bool binary, ReadOnlySpan<byte> tail, ref int tailUsed)
    {
        JsonTokens.Next(ref reader);
        JsonTokens.Expect(ref reader, JsonTokenType.StartArray, "'inputs'");
        var inputs = new List<Tensor>();
        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return [.. inputs];
            }

            inputs.Add(ReadInput(ref reader, inputs.Count, jsonLength, binary, tail, ref tailUsed));
        }
    }

    private static Tensor ReadInput(ref Utf8JsonReader reader, int position, int jsonLength, bool binary, ReadOnlySpan<byte> tail, ref int tailUsed)
    {
        var label = $"inputs[{position}]";
        JsonTokens.Expect(ref reader, JsonTokenType.StartObject, label);

        string? name = null;
        TensorDataType? type = null;
        long[]? shape = null;
        long? binarySize = null;
        byte[]? data = null;
        var hasData = false;
        Utf8JsonReader deferred = default;

        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueTextEquals("name"u8))
            {
                name = JsonTokens.ReadString(ref reader, $"{label}.name");
                label = $"input '{name}'";
            }
            else if (reader.ValueTextEquals("datatype"u8))
            {
                var wire = JsonTokens.ReadString(ref reader, $"{label}.datatype");
                if (!TensorDataTypes.TryParse(wire, out var t))
                {
                    throw OipException.BadRequest(
                        $"{label}: unknown datatype '{wire}'; supported: BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES");
                }

                type = t;
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                shape = ReadShape(ref reader, label);
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                binarySize = ReadInputParameters(ref reader, label);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                JsonTokens.Next(ref reader);
                hasData = true;
                if (name is not null && type is not null && shape is not null)
                {
                    data = TensorDataReader.Read(ref reader, name, type.Value, TensorShape.ElementCount(shape), jsonLength);
                }
                else
                {
                    // Members may come in any order; parse the data once name, type and shape are known.
                    deferred = reader;
                    reader.Skip();
                }
            }
            else
            {
                JsonTokens.Next(ref reader);
                reader.Skip();
            }
        }

        if (name is null)
        {
            throw OipException.BadRequest($"{label} has no 'name'");
        }

        if (type is null)
        {
            throw OipException.BadRequest($"{label} has no 'datatype'");
        }

        if (shape is null)
        {
            throw OipException.BadRequest($"{label} has no 'shape'");
        }

        if (binarySize is { } size)
        {
            if (hasData)
            {
                throw OipException.BadRequest($"{label} has both 'data' and binary_data_size; give one");
            }

            if (!binary)
            {
                throw OipException.BadRequest(
                    $"{label} has binary_data_size but the request has no {OipProtocol.HeaderContentLengthHeader} header");
            }

            data = TakeBinary(label, type.Value, shape, size, tail, ref tailUsed);
        }
        else if (data is null)
        {
            if (!hasData)
            {
                throw OipException.BadRequest($"{label} has no 'data' (nor binary_data_size)");
            }

            data = TensorDataReader.Read(ref deferred, name, type.Value, TensorShape.ElementCount(shape), jsonLength);
        }

        return new Tensor(name, type.Value, shape, data);
    }

    private static byte[] TakeBinary(string label, TensorDataType type, long[] shape, long size, ReadOnlySpan<byte> tail, ref int tailUsed)
    {
        if (size > tail.Length - tailUsed)
        {
            throw OipException.BadRequest(
                $"{label}: binary_data_size is {size} but only {tail.Length - tailUsed} bytes of binary data are left after the JSON header");
        }

        var bytes = tail.Slice(tailUsed, (int)size);
        tailUsed += (int)size;
        var count = TensorShape.ElementCount(shape);
        var elementSize = type.ElementSize();
        if (elementSize > 0)
        {
            if (count * elementSize != size)
            {
                throw OipException.BadRequest(
                    $"{label}: binary_data_size is {size} bytes but shape {TensorShape.Format(shape)} of {type.ToWireName()} needs {count * elementSize}");
            }
        }
        else
        {
            var got = RawTensor.CountBytesElements(bytes);
            if (got < 0)
            {
                throw OipException.BadRequest(
                    $"{label}: binary BYTES data is malformed (each element must be a 4-byte little-endian length then that many bytes)");
            }

            if (got != count)
            {
                throw OipException.BadRequest(
                    $"{label}: binary data has {got} BYTES elements but shape {TensorShape.Format(shape)} needs {count}");
            }
        }

        return bytes.ToArray();
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string label)
    {
        JsonTokens.Next(ref reader);
        JsonTokens.Expect(ref reader, JsonTokenType.StartArray, $"{label}.shape");
        var dims = new List<long>(4);
        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                var shape = dims.ToArray();
                _ = TensorShape.ElementCount(shape); // overflow surfaces here as a clear 400
                return shape;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var d) || d < 0)
            {
                throw OipException.BadRequest(
                    $"{label}.shape must hold non-negative integers, got {JsonTokens.Describe(ref reader)}");
            }

            dims.Add(d);
        }
    }

    /// <summary>Reads an input's parameters; only binary_data_size matters to the codec.</summary>
    private static long? ReadInputParameters(ref Utf8JsonReader reader, string label)
    {
        JsonTokens.Next(ref reader);
        JsonTokens.Expect(ref reader, JsonTokenType.StartObject, $"{label}.parameters");
        long? size = null;
        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return size;
            }

            var isSize = reader.ValueTextEquals("binary_data_size"u8);
            JsonTokens.Next(ref reader);
            if (!isSize)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var s) || s < 0 || s > int.MaxValue)
            {
                throw OipException.BadRequest(
                    $"{label}: binary_data_size must be a non-negative integer byte count, got {JsonTokens.Describe(ref reader)}");
            }

            size = s;
        }
    }

    private static List<OipRequestedOutput> ReadOutputs(ref Utf8JsonReader reader)
    {
        JsonTokens.Next(ref reader);
        JsonTokens.Expect(ref reader, JsonTokenType.StartArray, "'outputs'");
        var outputs = new List<OipRequestedOutput>();
        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return outputs;
            }

            var label = $"outputs[{outputs.Count}]";
            JsonTokens.Expect(ref reader, JsonTokenType.StartObject, label);
            string? name = null;
            var binaryData = false;
            while (true)
            {
                JsonTokens.Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                if (reader.ValueTextEquals("name"u8))
                {
                    name = JsonTokens.ReadString(ref reader, $"{label}.name");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    var p = ReadParameters(ref reader, $"{label}.parameters");
                    binaryData = p.TryGetValue("binary_data", out var b) && b is true;
                }
                else
                {
                    JsonTokens.Next(ref reader);
                    reader.Skip();
                }
            }

            outputs.Add(new OipRequestedOutput(name ?? throw OipException.BadRequest($"{label} has no 'name'"), binaryData));
        }
    }

    /// <summary>A parameters object: string keys to string, number (long or double) or boolean values.</summary>
    private static Dictionary<string, object> ReadParameters(ref Utf8JsonReader reader, string label)
    {
        JsonTokens.Next(ref reader);
        JsonTokens.Expect(ref reader, JsonTokenType.StartObject, label);
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        while (true)
        {
            JsonTokens.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return parameters;
            }

            var key = reader.GetString()!;
            JsonTokens.Next(ref reader);
            parameters[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.Number when reader.TryGetInt64(out var l) => l,
                JsonTokenType.Number => reader.GetDouble(),
                _ => throw OipException.BadRequest(
                    $"{label}['{key}'] must be a string, number or boolean, got {JsonTokens.Describe(ref reader)}"),
            };
        }
    }
}
