using System.Buffers;
using System.Text;

namespace Stoke.Engines.Llama.Gguf;

/// <summary>
/// Writes a GGUF version 3 file: metadata and tensors are collected first, then written in one pass. Tensor data is
/// produced by a callback per tensor when it is written, so a file of hundreds of megabytes never sits in memory whole.
/// </summary>
internal sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> metadata = [];
    private readonly List<(GgufTensorInfo Info, long Bytes, Action<Span<byte>> Fill)> tensors = [];

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => metadata;

    /// <summary>Adds a metadata value, or replaces the value of a key already added (keeping its position).</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (value.Value is null || value.Value.GetType() != GgufValue.ClrType(value.Type))
        {
            throw new ArgumentException($"Metadata '{key}': a {value.Type} value needs a {GgufValue.ClrType(value.Type).Name}.", nameof(value));
        }

        var index = metadata.FindIndex(kv => kv.Key == key);
        if (index >= 0)
        {
            metadata[index] = new(key, value);
        }
        else
        {
            metadata.Add(new(key, value));
        }

        return this;
    }

    /// <summary>Adds a tensor; <paramref name="fill"/> receives a zeroed span of exactly the tensor's size in bytes.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] dimensions, Action<Span<byte>> fill)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (dimensions.Length is 0 or > 4 || dimensions.Any(d => d < 1))
        {
            throw new ArgumentException($"Tensor '{name}' needs 1 to 4 positive dimensions.", nameof(dimensions));
        }

        if (tensors.Any(t => t.Info.Name == name))
        {
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        }

        var bytes = GgmlTypes.ByteSize(type, dimensions);
        if (bytes > Array.MaxLength)
        {
            throw new ArgumentException($"Tensor '{name}' ({bytes} bytes) is larger than one buffer.", nameof(dimensions));
        }

        tensors.Add((new GgufTensorInfo(name, dimensions, type, 0), bytes, fill));
        return this;
    }

    /// <summary>Writes to <paramref name="path"/> through a temporary file, so a reader never sees half a model.</summary>
    public void WriteTo(string path)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(stream);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public void WriteTo(Stream stream)
    {
        var alignment = GgufFile.DefaultAlignment;
        var alignmentEntry = metadata.FirstOrDefault(kv => kv.Key == GgufFile.AlignmentKey);
        if (alignmentEntry.Key is not null)
        {
            alignment = alignmentEntry.Value.Value is uint a && a > 0 && (a & (a - 1)) == 0
                ? a
                : throw new InvalidOperationException($"{GgufFile.AlignmentKey} must be a power-of-two uint32.");
        }

        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(GgufFile.Magic);
        writer.Write(GgufFile.Version);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)value.Type);
            WriteValue(writer, value.Type, value.Value);
        }

        var offset = 0L;
        foreach (var (info, bytes, _) in tensors)
        {
            WriteString(writer, info.Name);
            writer.Write((uint)info.Dimensions.Length);
            foreach (var d in info.Dimensions)
            {
                writer.Write((ulong)d);
            }

            writer.Write((uint)info.Type);
            writer.Write((ulong)offset);
            offset = GgufFile.AlignUp(offset + bytes, alignment);
        }

        Pad(writer, alignment);
        foreach (var (_, bytes, fill) in tensors)
        {
            var buffer = ArrayPool<byte>.Shared.Rent((int)bytes);
            try
            {
                var span = buffer.AsSpan(0, (int)bytes);
                span.Clear();
                fill(span);
                writer.Write(span);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Pad(writer, alignment);
        }
    }

    private static void Pad(BinaryWriter writer, uint alignment)
    {
        writer.Flush();
        var position = writer.BaseStream.Position;
        for (var i = position; i < GgufFile.AlignUp(position, alignment); i++)
        {
            writer.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type, value)
        {
            case (GgufValueType.UInt8, byte v): writer.Write(v); break;
            case (GgufValueType.Int8, sbyte v): writer.Write(v); break;
            case (GgufValueType.UInt16, ushort v): writer.Write(v); break;
            case (GgufValueType.Int16, short v): writer.Write(v); break;
            case (GgufValueType.UInt32, uint v): writer.Write(v); break;
            case (GgufValueType.Int32, int v): writer.Write(v); break;
            case (GgufValueType.Float32, float v): writer.Write(v); break;
            case (GgufValueType.Bool, bool v): writer.Write(v ? (byte)1 : (byte)0); break;
            case (GgufValueType.String, string v): WriteString(writer, v); break;
            case (GgufValueType.UInt64, ulong v): writer.Write(v); break;
            case (GgufValueType.Int64, long v): writer.Write(v); break;
            case (GgufValueType.Float64, double v): writer.Write(v); break;
            case (GgufValueType.Array, GgufArray array):
                writer.Write((uint)array.ElementType);
                writer.Write((ulong)array.Count);
                foreach (var item in array.Items)
                {
                    WriteValue(writer, array.ElementType, item);
                }

                break;
            default:
                throw new ArgumentException($"A GGUF {type} value cannot hold a {value.GetType().Name}.", nameof(value));
        }
    }
}
