using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Stoke.Abstractions.Tensors;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// One MiniLM input of a fixed token count (CLS, words, SEP) in every form the benchmarks send: OIP JSON, OIP binary
/// tensors, and ONNX Runtime values for the direct in-process call. All forms carry the same ids.
/// </summary>
internal sealed class MiniLmInputs
{
    public static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    public const string OutputName = "last_hidden_state";

    public MiniLmInputs(int tokens, int rows = 1)
    {
        Tokens = tokens;
        Rows = rows;
        Ids = new long[rows * tokens];
        Mask = new long[rows * tokens];
        Types = new long[rows * tokens];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < tokens; i++)
            {
                Ids[(r * tokens) + i] = i == 0 ? 101 : i == tokens - 1 ? 102 : 2000 + i;
                Mask[(r * tokens) + i] = 1;
            }
        }

        Json = Encoding.UTF8.GetBytes(BuildJson());
        (BinaryBody, BinaryHeaderLength) = BuildBinary();
    }

    public int Tokens { get; }

    public int Rows { get; }

    public long[] Ids { get; }

    public long[] Mask { get; }

    public long[] Types { get; }

    /// <summary>The OIP JSON request body (response asked as JSON).</summary>
    public byte[] Json { get; }

    /// <summary>The OIP binary-extension body: JSON header then raw int64 tensors (response asked as binary).</summary>
    public byte[] BinaryBody { get; }

    public int BinaryHeaderLength { get; }

    /// <summary>Fresh ONNX Runtime values over this input's arrays, as a caller of the raw API would make per call.</summary>
    public OrtValue[] ToOrtValues()
    {
        long[] shape = [Rows, Tokens];
        return
        [
            OrtValue.CreateTensorValueFromMemory(Ids, shape),
            OrtValue.CreateTensorValueFromMemory(Mask, shape),
            OrtValue.CreateTensorValueFromMemory(Types, shape),
        ];
    }

    /// <summary>The same inputs as the raw tensors the engine takes.</summary>
    public Tensor[] ToTensors()
    {
        long[] shape = [Rows, Tokens];
        return [Raw(InputNames[0], Ids, shape), Raw(InputNames[1], Mask, shape), Raw(InputNames[2], Types, shape)];
    }

    private static Tensor Raw(string name, long[] values, long[] shape)
    {
        var data = new byte[values.Length * sizeof(long)];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        return new Tensor(name, TensorDataType.Int64, shape, data);
    }

    private string BuildJson()
    {
        static string Join(long[] values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        var shape = $"[{Rows},{Tokens}]";
        return "{\"inputs\":[" +
            $"{{\"name\":\"input_ids\",\"shape\":{shape},\"datatype\":\"INT64\",\"data\":[{Join(Ids)}]}}," +
            $"{{\"name\":\"attention_mask\",\"shape\":{shape},\"datatype\":\"INT64\",\"data\":[{Join(Mask)}]}}," +
            $"{{\"name\":\"token_type_ids\",\"shape\":{shape},\"datatype\":\"INT64\",\"data\":[{Join(Types)}]}}]," +
            $"\"outputs\":[{{\"name\":\"{OutputName}\"}}]}}";
    }

    private (byte[] Body, int HeaderLength) BuildBinary()
    {
        var size = Ids.Length * sizeof(long);
        var shape = $"[{Rows},{Tokens}]";
        var parts = string.Join(",", InputNames.Select(n =>
            $"{{\"name\":\"{n}\",\"shape\":{shape},\"datatype\":\"INT64\",\"parameters\":{{\"binary_data_size\":{size}}}}}"));
        var header = Encoding.UTF8.GetBytes(
            $"{{\"inputs\":[{parts}],\"outputs\":[{{\"name\":\"{OutputName}\",\"parameters\":{{\"binary_data\":true}}}}]}}");
        var body = new byte[header.Length + (3 * size)];
        header.CopyTo(body, 0);
        var offset = header.Length;
        foreach (var values in new[] { Ids, Mask, Types })
        {
            Buffer.BlockCopy(values, 0, body, offset, size);
            offset += size;
        }

        return (body, header.Length);
    }
}
