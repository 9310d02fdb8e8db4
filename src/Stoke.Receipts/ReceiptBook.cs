using System.Collections.Concurrent;
using System.Security.Cryptography;
using Stoke.Receipts.Chains;
using Stoke.Receipts.Format;
using Stoke.Receipts.Signing;

namespace Stoke.Receipts;

/// <summary>
/// This node's receipts: it signs one per answered request into the tenant's chain (one chain per tenant per node,
/// each node signing with its own key) and keeps each chain's last <see cref="ReceiptOptions.Retained"/> receipts.
/// </summary>
public sealed class ReceiptBook : IDisposable
{
    /// <summary>The header that carries a response's receipt (base64url of the signed receipt).</summary>
    public const string Header = "Stoke-Receipt";

    private readonly ConcurrentDictionary<string, Lazy<ReceiptChain>> _chains = new(StringComparer.Ordinal);
    private readonly NodeKey _key;
    private readonly string _chainDirectory;
    private readonly int _retained;
    private readonly TimeProvider _time;
    private readonly Action<string>? _rejected;

    /// <param name="directory">Folder of the key and chain files; null keeps everything in memory (tests, benchmarks).</param>
    /// <param name="rejected">Told when a chain read back from disk does not verify against the node's key (a warning to log).</param>
    public ReceiptBook(string? directory, string node, int retained, TimeProvider time, Action<string>? rejected = null)
    {
        _rejected = rejected;
        if (retained is < 1 or > ReceiptOptions.MaxRetained)
        {
            throw new ArgumentOutOfRangeException(nameof(retained), retained, $"{ReceiptOptions.Section}:Retained must be 1 to {ReceiptOptions.MaxRetained}.");
        }

        _key = directory is null ? NodeKey.CreateEphemeral() : NodeKey.LoadOrCreate(directory);
        _chainDirectory = directory is null ? "" : Path.Combine(directory, "chains");
        if (directory is not null)
        {
            Directory.CreateDirectory(_chainDirectory);
        }

        Node = node;
        _retained = retained;
        _time = time;
    }

    public string Node { get; }

    /// <summary>The node's public key, base64url of its 32 bytes.</summary>
    public string PublicKey => _key.PublicKeyText;

    public int Retained => _retained;

    /// <summary>Signs the next receipt of the subject's tenant; returns it as the header carries it.</summary>
    public SignedReceipt Issue(in ReceiptSubject subject)
    {
        var unsigned = new Receipt
        {
            Tenant = subject.Tenant,
            Previous = [],
            Function = subject.Function,
            FunctionVersion = subject.FunctionVersion,
            ArtifactSha256 = subject.ArtifactSha256,
            RequestSha256 = SHA256.HashData(subject.Request.Span),
            ResponseSha256 = SHA256.HashData(subject.Response.Span),
            UsageSha256 = UsageDigest.Hash(subject.Usage),
            Node = Node,
            IssuedAt = _time.GetUtcNow(),
        };
        return Chain(subject.Tenant).Append(unsigned, _key);
    }

    /// <summary>The tenant's retained receipts after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<SignedReceipt> Page(string tenant, long after, int limit) => Chain(tenant).After(after, limit);

    private ReceiptChain Chain(string tenant) =>
        _chains.GetOrAdd(tenant, t => new Lazy<ReceiptChain>(() => new ReceiptChain(Journal(t), _retained, t, _key, _time, _rejected))).Value;

    private ReceiptJournal Journal(string tenant) =>
        new(_chainDirectory.Length == 0 ? null : Path.Combine(_chainDirectory, tenant + ".chain"), _retained);

    public void Dispose() => _key.Dispose();
}
