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

    public ReceiptChain(ReceiptJournal journal, int retained)
    {
        _journal = journal;
        _recent = new SignedReceipt?[retained];
        foreach (var receipt in journal.Load())
        {
            Remember(receipt);
        }
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
