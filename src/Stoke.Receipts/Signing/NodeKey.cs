using NSec.Cryptography;
using Stoke.Durability;

namespace Stoke.Receipts.Signing;

/// <summary>
/// The node's Ed25519 signing key. Created on the node's first start as a 32-byte seed in <c>node.key</c> (mode 0600,
/// written to a temporary name, fsynced and renamed, so a start cut short never leaves half a key), and loaded at
/// every later start, so the public key a client pinned stays valid across restarts.
/// </summary>
public sealed class NodeKey : IDisposable
{
    public const string FileName = "node.key";
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private NodeKey(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32 raw bytes of the public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The public key as <c>stoke verify --key</c> and <c>GET /api/receipts/key</c> write it (base64url).</summary>
    public string PublicKeyText => System.Buffers.Text.Base64Url.EncodeToString(PublicKey);

    /// <summary>A key held in memory only (tests, benchmarks).</summary>
    public static NodeKey CreateEphemeral() => new(Key.Create(Algorithm));

    /// <summary>Loads the key in <paramref name="directory"/>, creating it first when there is none.</summary>
    /// <exception cref="InvalidDataException">The key file is not a 32-byte seed, or others may read it.</exception>
    public static NodeKey LoadOrCreate(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            using var created = Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
            // 0600 from its creation: nobody else may sign as this node.
            DurableFile.WriteAllBytes(path, created.Export(KeyBlobFormat.RawPrivateKey), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new InvalidDataException($"Receipt key {path} is readable or writable by other users: chmod 600 it.");
        }

        var seed = File.ReadAllBytes(path);
        if (seed.Length != Algorithm.PrivateKeySize)
        {
            throw new InvalidDataException($"Receipt key {path} holds {seed.Length} bytes, not a {Algorithm.PrivateKeySize}-byte Ed25519 seed.");
        }

        return new NodeKey(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey));
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);

    /// <summary>Whether this key signed <paramref name="data"/> (a chain read back from disk is checked so).</summary>
    public bool Signed(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == Algorithm.SignatureSize && Algorithm.Verify(_key.PublicKey, data, signature);

    public void Dispose() => _key.Dispose();
}

/// <summary>Checks Ed25519 signatures against a public key given as base64url or raw bytes.</summary>
public sealed class ReceiptPublicKey
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly PublicKey _key;

    private ReceiptPublicKey(PublicKey key) => _key = key;

    /// <exception cref="FormatException">The text is not the base64url of a 32-byte Ed25519 public key.</exception>
    public static ReceiptPublicKey Parse(string text) =>
        FromBytes(Format.Base64UrlText.Decode(text, "The public key is not base64url (take it from GET /api/receipts/key)."));

    /// <exception cref="FormatException">Not 32 bytes of a valid Ed25519 public key.</exception>
    public static ReceiptPublicKey FromBytes(byte[] raw)
    {
        if (raw.Length != Algorithm.PublicKeySize || !PublicKey.TryImport(Algorithm, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new FormatException($"The public key must be {Algorithm.PublicKeySize} bytes of an Ed25519 key; it has {raw.Length}.");
        }

        return new ReceiptPublicKey(key);
    }

    public bool Verifies(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == Algorithm.SignatureSize && Algorithm.Verify(_key, data, signature);
}
