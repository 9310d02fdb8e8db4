namespace Stoke.Receipts.Format;

/// <summary>Receipts and keys travel as base64url without padding (RFC 4648 section 5), safe in a header and a URL.</summary>
internal static class Base64UrlText
{
    /// <exception cref="FormatException">With <paramref name="problem"/> as its message.</exception>
    public static byte[] Decode(string text, string problem)
    {
        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(text.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException(problem);
        }
    }
}
