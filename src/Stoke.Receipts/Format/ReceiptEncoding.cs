using System.Buffers.Binary;
using System.Text;

namespace Stoke.Receipts.Format;

/// <summary>
/// The fixed byte layout of a receipt (version 1), so a signature never depends on a serializer's whims: the magic
/// <c>STKR</c>, the version byte, then each field in order; integers big-endian, hashes as 32 raw bytes, strings as a
/// 2-byte big-endian length and their UTF-8. A signed receipt is those bytes followed by the 64-byte signature.
/// </summary>
public static class ReceiptEncoding
{
    public const int SignatureLength = 64;
    public const int HashLength = 32;
    public const int MaxStringBytes = 1024;
    private static ReadOnlySpan<byte> Magic => "STKR"u8;

    public static byte[] Encode(Receipt r)
    {
        var w = new CanonicalWriter();
        w.Raw(Magic);
        w.Byte(r.Version);
        w.String(r.Tenant);
        w.Int64(r.Sequence);
        w.Hash(r.Previous);
        w.String(r.Function);
        w.Int32(r.FunctionVersion);
        w.String(r.ArtifactSha256);
        w.Hash(r.RequestSha256);
        w.Hash(r.ResponseSha256);
        w.Hash(r.UsageSha256);
        w.String(r.Node);
        w.Int64(r.IssuedAt.ToUnixTimeMilliseconds());
        return w.ToArray();
    }

    /// <summary>Splits signed bytes into the receipt and its signature.</summary>
    /// <exception cref="FormatException">The bytes are not a version-1 signed receipt; the message says where.</exception>
    public static SignedReceipt Decode(ReadOnlySpan<byte> signed)
    {
        if (signed.Length <= SignatureLength + Magic.Length || !signed.StartsWith(Magic))
        {
            throw new FormatException("Not a Stoke receipt: it must start with 'STKR' and end with a 64-byte signature.");
        }

        var body = signed[..^SignatureLength];
        var r = new CanonicalReader(body[Magic.Length..]);
        var version = r.Byte();
        if (version != Receipt.CurrentVersion)
        {
            throw new FormatException($"Receipt version {version} is not supported (this build reads version {Receipt.CurrentVersion}).");
        }

        var receipt = new Receipt
        {
            Version = version,
            Tenant = r.String(),
            Sequence = r.Int64(),
            Previous = r.Hash(),
            Function = r.String(),
            FunctionVersion = r.Int32(),
            ArtifactSha256 = r.String(),
            RequestSha256 = r.Hash(),
            ResponseSha256 = r.Hash(),
            UsageSha256 = r.Hash(),
            Node = r.String(),
            IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.Int64()),
        };
        r.End();
        return new SignedReceipt(receipt, body.ToArray(), signed[^SignatureLength..].ToArray());
    }

    /// <summary>Decodes a header value or API item (base64url of the signed bytes).</summary>
    /// <exception cref="FormatException">Not base64url, or not a receipt.</exception>
    public static SignedReceipt FromBase64Url(string text) =>
        Decode(Base64UrlText.Decode(text, "Not a Stoke receipt: the value is not base64url."));

    private ref struct CanonicalReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (_rest.Length < n)
            {
                throw new FormatException("Receipt is truncated.");
            }

            var taken = _rest[..n];
            _rest = _rest[n..];
            return taken;
        }

        public byte Byte() => Take(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public byte[] Hash() => Take(HashLength).ToArray();

        public string String()
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            return length > MaxStringBytes
                ? throw new FormatException($"Receipt string of {length} bytes exceeds {MaxStringBytes}.")
                : Encoding.UTF8.GetString(Take(length));
        }

        public readonly void End()
        {
            if (!_rest.IsEmpty)
            {
                throw new FormatException($"Receipt has {_rest.Length} unexpected trailing bytes.");
            }
        }
    }
}
