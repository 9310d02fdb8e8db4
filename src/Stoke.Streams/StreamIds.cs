using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Stoke.Streams;

/// <summary>
/// A stream's id names the node that holds its state (base64url of the node id, a dot, 128 random bits in hex), so
/// any gateway of the cluster sends a chunk straight to that node: one hop, no lookup, no controller call.
/// </summary>
public static class StreamIds
{
    public static string New(string nodeId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(nodeId)) + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The node holding the stream, or null when <paramref name="streamId"/> is not an id Stoke issued.</summary>
    public static string? NodeOf(string streamId)
    {
        var dot = streamId.LastIndexOf('.');
        if (dot <= 0 || streamId.Length - dot - 1 != 32 || !IsHex(streamId.AsSpan(dot + 1)))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(streamId.AsSpan(0, dot)));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
