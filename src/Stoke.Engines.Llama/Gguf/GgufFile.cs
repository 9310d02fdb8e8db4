using System.Text;

namespace Stoke.Engines.Llama.Gguf;

/// <summary>
/// The header, metadata and tensor directory of a GGUF file (format version 2 or 3), read without touching the tensor
/// data. Layout: magic "GGUF", version, tensor count, metadata count, the metadata, the tensor infos, then the data
/// section at the next multiple of <c>general.alignment</c> (default 32).
/// </summary>
internal sealed class GgufFile
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    private const ulong MaxCount = 1 << 24; // guards allocations against a corrupt count

    private GgufFile(uint version, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorInfo> tensors, uint alignment, long dataOffset)
    {
        FormatVersion = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
    }

    public uint FormatVersion { get; }

    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }

    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    public uint Alignment { get; }

    /// <summary>Absolute file offset of the data section; a tensor's data starts at this plus its offset.</summary>
    public long DataOffset { get; }

    public GgufValue this[string key] =>
        TryGet(key, out var value) ? value : throw new KeyNotFoundException($"GGUF metadata has no '{key}'.");

    public bool TryGet(string key, out GgufValue value)
    {
        foreach (var (k, v) in Metadata)
        {
            if (k == key)
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    public static GgufFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream);
    }

    public static GgufFile Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadUInt32() != Magic)
        {
            throw new InvalidDataException("Not a GGUF file: the magic is not 'GGUF'.");
        }

        var version = reader.ReadUInt32();
        if (version is < 2 or > Version)
        {
            throw new InvalidDataException($"GGUF version {version} is not supported (2 or 3).");
        }

        var tensorCount = Count(reader.ReadUInt64());
        var metadataCount = Count(reader.ReadUInt64());
        var metadata = new List<KeyValuePair<string, GgufValue>>(metadataCount);
        for (var i = 0; i < metadataCount; i++)
        {
            var key = ReadString(reader);
            var type = (GgufValueType)reader.ReadUInt32();
            metadata.Add(new(key, new GgufValue(type, ReadValue(reader, type))));
        }

        var alignment = DefaultAlignment;
        var alignmentEntry = metadata.FirstOrDefault(kv => kv.Key == AlignmentKey);
        if (alignmentEntry.Key is not null)
        {
            alignment = alignmentEntry.Value.Value is uint a && a > 0 && (a & (a - 1)) == 0
                ? a
                : throw new InvalidDataException($"{AlignmentKey} must be a power-of-two uint32.");
        }

        var tensors = new List<GgufTensorInfo>(tensorCount);
        for (var i = 0; i < tensorCount; i++)
        {
            var name = ReadString(reader);
            var dimensionCount = reader.ReadUInt32();
            if (dimensionCount is 0 or > 4)
            {
                throw new InvalidDataException($"Tensor '{name}' has {dimensionCount} dimensions (1 to 4).");
            }

            var dimensions = new long[dimensionCount];
            for (var d = 0; d < dimensions.Length; d++)
            {
                dimensions[d] = checked((long)reader.ReadUInt64());
            }

            var type = (GgmlType)reader.ReadUInt32();
            var offset = reader.ReadUInt64();
            if (offset % alignment != 0)
            {
                throw new InvalidDataException($"Tensor '{name}' starts at {offset}, not a multiple of the alignment {alignment}.");
            }

            tensors.Add(new GgufTensorInfo(name, dimensions, type, offset));
        }

        var dataOffset = AlignUp(stream.Position, alignment);
        return new GgufFile(version, metadata, tensors, alignment, dataOffset);
    }

    internal static long AlignUp(long position, uint alignment) => (position + alignment - 1) / alignment * alignment;

    private static int Count(ulong count) =>
        count <= MaxCount ? (int)count : throw new InvalidDataException($"GGUF count {count} is implausibly large.");

    private static string ReadString(BinaryReader reader)
    {
        var length = Count(reader.ReadUInt64());
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? Encoding.UTF8.GetString(bytes) : throw new EndOfStreamException("GGUF string runs past the end of the file.");
    }

    private static object ReadValue(BinaryReader reader, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => reader.ReadSByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => reader.ReadInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => reader.ReadInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var b => throw new InvalidDataException($"GGUF bool must be 0 or 1, not {b}."),
        },
        GgufValueType.String => ReadString(reader),
        GgufValueType.Array => ReadArray(reader),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => reader.ReadInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"Unknown GGUF value type {(uint)type}."),
    };

    private static GgufArray ReadArray(BinaryReader reader)
    {
        var elementType = (GgufValueType)reader.ReadUInt32();
        var count = Count(reader.ReadUInt64());
        var items = Array.CreateInstance(GgufValue.ClrType(elementType), count);
        for (var i = 0; i < count; i++)
        {
            items.SetValue(ReadValue(reader, elementType), i);
        }

        return new GgufArray(elementType, items);
    }
}
