using System.Buffers.Binary;
using System.Text;

namespace Stoke.OpenAI.Tests.Support;

/// <summary>
/// stories260K with a longer trained context: the same weights and tokenizer, <c>llama.context_length</c> raised.
/// A node sizes a language model's context window from that value, so this copy accepts generations long enough
/// that they cannot end by themselves while a test waits (its text past 2,048 tokens is noise; ignore-eos streams
/// do not care).
/// </summary>
internal static class LongContextModel
{
    private const string Key = "llama.context_length";
    private const uint GgufUInt32 = 4;

    public static byte[] Create(string source, uint contextLength)
    {
        var bytes = File.ReadAllBytes(source);
        // A metadata entry is the key (u64 length, UTF-8), its type (u32) and its value (a u32 here).
        var key = new byte[sizeof(ulong) + Key.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(key, (ulong)Key.Length);
        Encoding.UTF8.GetBytes(Key, key.AsSpan(sizeof(ulong)));
        var at = bytes.AsSpan().IndexOf(key);
        if (at < 0 || bytes.AsSpan(at + 1).IndexOf(key) >= 0)
        {
            throw new InvalidDataException($"{source} does not hold exactly one '{Key}' entry.");
        }

        var type = bytes.AsSpan(at + key.Length, sizeof(uint));
        if (BinaryPrimitives.ReadUInt32LittleEndian(type) != GgufUInt32)
        {
            throw new InvalidDataException($"'{Key}' in {source} is not a u32.");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + key.Length + sizeof(uint), sizeof(uint)), contextLength);
        return bytes;
    }
}
