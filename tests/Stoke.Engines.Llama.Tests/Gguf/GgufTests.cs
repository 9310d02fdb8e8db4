using System.Runtime.InteropServices;
using Stoke.Engines.Llama.Gguf;

namespace Stoke.Engines.Llama.Tests.Gguf;

public sealed class GgufTests
{
    [Fact]
    public void ReadsBackTheMetadataAndTensorDirectoryItWrote()
    {
        var writer = new GgufWriter()
            .Set("general.name", GgufValue.Of("round trip"))
            .Set("test.count", GgufValue.Of(7u))
            .Set("test.eps", GgufValue.Of(1e-5f))
            .Set("test.flag", GgufValue.Of(true))
            .Set("test.words", GgufValue.Of(new GgufArray(GgufValueType.String, new[] { "a", "bc", "" })))
            .Set("test.ids", GgufValue.Of(new GgufArray(GgufValueType.Int32, new[] { -1, 2, 3 })))
            .AddTensor("odd", GgmlType.F32, [3], span => MemoryMarshal.Cast<byte, float>(span).Fill(2f))
            .AddTensor("matrix", GgmlType.F16, [64, 2], _ => { })
            .AddTensor("blocks", GgmlType.Q8_0, [64, 1], _ => { });
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;

        var file = GgufFile.Read(stream);

        Assert.Equal(
            [("general.name", "round trip"), ("test.count", 7u), ("test.eps", 1e-5f), ("test.flag", true)],
            file.Metadata.Take(4).Select(kv => (kv.Key, kv.Value.Value)));
        Assert.Equal(new[] { "a", "bc", "" }, ((GgufArray)file["test.words"].Value).Items);
        Assert.Equal(new[] { -1, 2, 3 }, ((GgufArray)file["test.ids"].Value).Items);
        Assert.Equal(
            [("odd", GgmlType.F32, 0UL), ("matrix", GgmlType.F16, 32UL), ("blocks", GgmlType.Q8_0, 288UL)],
            file.Tensors.Select(t => (t.Name, t.Type, t.Offset)));
        Assert.Equal(file.DataOffset + 384, stream.Length); // 356 bytes of data, padded to the 32-byte alignment
        Assert.Equal(2f, BitConverter.ToSingle(stream.ToArray(), (int)file.DataOffset));
    }

    [Fact]
    public void RejectsAFileWithoutTheMagic()
    {
        using var stream = new MemoryStream(new byte[64]);

        Assert.Throws<InvalidDataException>(() => GgufFile.Read(stream));
    }
}
