using Stoke.Receipts.Format;
using Stoke.Receipts.Signing;

namespace Stoke.Receipts.Chains;

/// <summary>
/// One tenant's chain on this node. Numbering a receipt, linking it to the previous one, signing it and appending it
/// to the journal happen under this chain's own lock, so one tenant's receipts are strictly ordered while other
/// tenants' requests never wait on it.
/// </summary>
internal sealed class ReceiptChain
{
    private readonly Lock _gate = new();
    private readonly ReceiptJournal _journal;
    private readonly SignedReceipt?[] _recent;
    private int _next;
    private int _count;
    private long _sequence;
    private byte[] _head = new byte[ReceiptEncoding.HashLength];

    /// <summary>
    /// Takes the journal's records as far as they hold: each signed by <paramref name="key"/>, of
    /// <paramref name="tenant"/>, and linked to the one before. A record that does not (altered on disk, or signed by
    /// another key) and all after it are not trusted: the file is set aside, <paramref name="rejected"/> says why, and
    /// the chain continues from the last trusted record.
    /// </summary>
    public ReceiptChain(ReceiptJournal journal, int retained, string tenant, NodeKey key, TimeProvider time, Action<string>? rejected)
    {
        _journal = journal;
        _recent = new SignedReceipt?[retained];
        var loaded = journal.Load(out var damaged);
        var (trusted, problem) = Trusted(loaded, tenant, key);
        if ((problem ?? damaged) is { } why)
        {
            var aside = journal.SetAside(loaded[..trusted], time.GetUtcNow());
            rejected?.Invoke($"The receipt chain of tenant '{tenant}' is not trusted past {trusted} record(s): {why}. The file was moved to {aside}; the chain continues from the last trusted record.");
        }

        foreach (var receipt in loaded[..trusted])
        {
            Remember(receipt);
        }
    }

    // How many records from the start hold, and what is wrong with the first that does not.
    private static (int Count, string? Problem) Trusted(List<SignedReceipt> loaded, string tenant, NodeKey key)
    {
        for (var i = 0; i < loaded.Count; i++)
        {
            var (r, sequence) = (loaded[i], loaded[i].Receipt.Sequence);
            if (!key.Signed(r.Body, r.Signature))
            {
                return (i, $"sequence {sequence} is not signed by this node's key (altered, or written under another key)");
            }

            if (r.Receipt.Tenant != tenant)
            {
                return (i, $"sequence {sequence} belongs to tenant '{r.Receipt.Tenant}'");
            }

            if (i > 0 && (sequence != loaded[i - 1].Receipt.Sequence + 1 || !r.Receipt.Previous.AsSpan().SequenceEqual(loaded[i - 1].Hash())))
            {
                return (i, $"sequence {sequence} does not follow sequence {loaded[i - 1].Receipt.Sequence}");
            }
        }

        return (loaded.Count, null);
    }

    /// <summary>Numbers, links, signs and records <paramref name="unsigned"/> (its sequence and previous are set here).</summary>
    public SignedReceipt Append(Receipt unsigned, NodeKey key)
    {
        lock (_gate)
        {
            var receipt = unsigned with { Sequence = _sequence + 1, Previous = _head };
            var body = ReceiptEncoding.Encode(receipt);
            var signed = new SignedReceipt(receipt, body, key.Sign(body));
            // Journal first: a receipt that could not be recorded is never handed out, and the head does not move.
            _journal.Append(signed, Recent);
            Remember(signed);
            return signed;
        }
    }

    /// <summary>Retained receipts with a sequence above <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public List<SignedReceipt> After(long after, int limit)
    {
        lock (_gate)
        {
            return [.. Recent().Where(r => r.Receipt.Sequence > after).Take(limit)];
        }
    }

    private void Remember(SignedReceipt receipt)
    {
        _recent[_next] = receipt;
        _next = (_next + 1) % _recent.Length;
        _count = Math.Min(_count + 1, _recent.Length);
        _sequence = receipt.Receipt.Sequence;
        _head = receipt.Hash();
    }

    private List<SignedReceipt> Recent()
    {
        var list = new List<SignedReceipt>(_count);
        var start = (_next - _count + _recent.Length) % _recent.Length;
        for (var i = 0; i < _count; i++)
        {
            list.Add(_recent[(start + i) % _recent.Length]!);
        }

        return list;
    }
}
