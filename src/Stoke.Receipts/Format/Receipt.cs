namespace Stoke.Receipts.Format;

/// <summary>
/// What one receipt attests: that this node answered this tenant's request (these exact body bytes) with this
/// response, on this artifact, with this usage, as record <see cref="Sequence"/> of the tenant's chain on this node.
/// Its canonical bytes (<see cref="ReceiptEncoding"/>) are what the node signs; docs/receipts.md fixes them.
/// </summary>
public sealed record Receipt
{
    /// <summary>The encoding version this library writes and reads.</summary>
    public const byte CurrentVersion = 1;

    public byte Version { get; init; } = CurrentVersion;

    public required string Tenant { get; init; }

    /// <summary>1 for the chain's first receipt, then one more per receipt: a gap is a dropped record.</summary>
    public long Sequence { get; init; }

    /// <summary>SHA-256 of the previous receipt's canonical bytes; 32 zero bytes for sequence 1.</summary>
    public required byte[] Previous { get; init; }

    public required string Function { get; init; }

    public int FunctionVersion { get; init; }

    /// <summary>The function version's artifact SHA-256 (hex, as in its spec).</summary>
    public required string ArtifactSha256 { get; init; }

    /// <summary>SHA-256 of the request body exactly as the client sent it.</summary>
    public required byte[] RequestSha256 { get; init; }

    /// <summary>SHA-256 of the response body exactly as the node sent it.</summary>
    public required byte[] ResponseSha256 { get; init; }

    /// <summary>SHA-256 of the request's usage records in their canonical encoding (<see cref="UsageDigest"/>).</summary>
    public required byte[] UsageSha256 { get; init; }

    /// <summary>The signing node (its silo address).</summary>
    public required string Node { get; init; }

    public DateTimeOffset IssuedAt { get; init; }
}

/// <summary>A receipt with its canonical bytes and the node's Ed25519 signature over them.</summary>
/// <param name="Body">The canonical bytes of <paramref name="Receipt"/>.</param>
/// <param name="Signature">64 bytes of Ed25519 over <paramref name="Body"/>.</param>
public sealed record SignedReceipt(Receipt Receipt, byte[] Body, byte[] Signature)
{
    /// <summary>The chain link: SHA-256 of <see cref="Body"/>, which the next receipt names as its previous.</summary>
    public byte[] Hash() => System.Security.Cryptography.SHA256.HashData(Body);

    /// <summary>Body then signature, as the header and the API carry them (base64url).</summary>
    public byte[] ToBytes() => [.. Body, .. Signature];

    public string ToBase64Url() => System.Buffers.Text.Base64Url.EncodeToString(ToBytes());
}
