using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.Cli.Text;

/// <summary>Writes Open Inference Protocol infer request bodies (JSON tensors) from raw tensors.</summary>
public static class OipJson
{
    public static string Request(IEnumerable<Tensor> inputs)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("inputs");
            foreach (var tensor in inputs)
            {
                json.WriteStartObject();
                json.WriteString("name", tensor.Name);
                json.WriteStartArray("shape");
                foreach (var d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteString("datatype", tensor.DataType.ToWireName());
                json.WriteStartArray("data");
                WriteData(json, tensor);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteData(Utf8JsonWriter json, Tensor tensor)
    {
        switch (tensor.DataType)
        {
            case TensorDataType.Int64:
                foreach (var v in MemoryMarshal.Cast<byte, long>(tensor.Data))
                {
                    json.WriteNumberValue(v);
                }

                break;
            case TensorDataType.Int32:
                foreach (var v in MemoryMarshal.Cast<byte, int>(tensor.Data))
                {
                    json.WriteNumberValue(v);
                }

                break;
            case TensorDataType.FP32:
                foreach (var v in MemoryMarshal.Cast<byte, float>(tensor.Data))
                {
                    json.WriteNumberValue(v);
                }

                break;
            default:
                throw new CliException($"Cannot write {tensor.DataType.ToWireName()} tensor '{tensor.Name}' as JSON here; use --input with a request body.");
        }
    }
}
