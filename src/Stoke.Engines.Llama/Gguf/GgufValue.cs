namespace Stoke.Engines.Llama.Gguf;

/// <summary>
/// One typed GGUF metadata value. <see cref="Value"/> holds the matching CLR type (<see cref="uint"/> for UInt32,
/// <see cref="string"/> for String, ...) and a <see cref="GgufArray"/> for arrays, so a value read from one file is
/// written to another with the same type.
/// </summary>
internal readonly record struct GgufValue(GgufValueType Type, object Value)
{
    public static GgufValue Of(string value) => new(GgufValueType.String, value);

    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);

    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);

    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);

    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);

    public static GgufValue Of(GgufArray value) => new(GgufValueType.Array, value);

    /// <summary>CLR type that holds a scalar of <paramref name="type"/>.</summary>
    internal static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.Array => typeof(GgufArray),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new InvalidDataException($"Unknown GGUF value type {(uint)type}."),
    };
}

/// <summary>A GGUF array: one element type, items in a CLR array of that type (<c>string[]</c>, <c>float[]</c>, ...).</summary>
internal sealed record GgufArray
{
    public GgufArray(GgufValueType elementType, Array items)
    {
        var expected = GgufValue.ClrType(elementType);
        if (items.GetType().GetElementType() != expected)
        {
            throw new ArgumentException($"A GGUF {elementType} array needs a {expected.Name}[], not {items.GetType().Name}.", nameof(items));
        }

        ElementType = elementType;
        Items = items;
    }

    public GgufValueType ElementType { get; }

    public Array Items { get; }

    public int Count => Items.Length;
}

/// <summary>Where a tensor lies: its name, shape (ggml order: the first dimension is contiguous), type and offset in the data section.</summary>
internal sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, ulong Offset);
