using Stoke.Receipts.Format;
using Stoke.Receipts.Signing;

namespace Stoke.Receipts.Verification;

/// <summary>What a chain check found: null <see cref="Problem"/> when every receipt holds and links to the one before.</summary>
/// <param name="Checked">Receipts read.</param>
/// <param name="Kind">"altered", "reordered", "dropped", "mixed" or "malformed" when it fails.</param>
public sealed record ChainCheck(int Checked, string? Problem = null, string? Kind = null)
{
    public bool Valid => Problem is null;
}

/// <summary>
/// Checks a run of one tenant's receipts from one node, in the order given: each signature (an altered record fails
/// it), then their order (a sequence at or below the one before is a reordered record), then their continuity (a gap
/// in the sequence, or a previous-hash that is not the hash of the record before, is a dropped record). The run may
/// start anywhere: a node keeps only a chain's last receipts, so the first one's link is taken on trust unless it is
/// sequence 1, whose previous must be all zeros.
/// </summary>
public static class ChainVerifier
{
    public static ChainCheck Verify(IReadOnlyList<string> receipts, ReceiptPublicKey key)
    {
        var decoded = new List<SignedReceipt>(receipts.Count);
        for (var i = 0; i < receipts.Count; i++)
        {
            var check = ReceiptVerifier.Verify(receipts[i], key);
            if (!check.Valid)
            {
                return new ChainCheck(i, $"Record {i + 1} is altered: {check.Problem}", check.Receipt is null ? "malformed" : "altered");
            }

            decoded.Add(check.Receipt!);
        }

        return Order(decoded) ?? Links(decoded) ?? new ChainCheck(decoded.Count);
    }

    private static ChainCheck? Order(List<SignedReceipt> chain)
    {
        for (var i = 1; i < chain.Count; i++)
        {
            var (before, r) = (chain[i - 1].Receipt, chain[i].Receipt);
            // The key, not the node's address, names the chain: a restarted node keeps its key and chain under a new address.
            if (r.Tenant != before.Tenant)
            {
                return new ChainCheck(i, $"Record {i + 1} (sequence {r.Sequence}) belongs to tenant '{r.Tenant}', not to the chain of '{before.Tenant}'.", "mixed");
            }

            if (r.Sequence <= before.Sequence)
            {
                return new ChainCheck(i, $"Record {i + 1} is reordered: sequence {r.Sequence} comes after sequence {before.Sequence}.", "reordered");
            }
        }

        return null;
    }

    private static ChainCheck? Links(List<SignedReceipt> chain)
    {
        if (chain.Count > 0 && chain[0].Receipt.Sequence == 1 && chain[0].Receipt.Previous.Any(b => b != 0))
        {
            return new ChainCheck(0, "Record 1 is sequence 1 but names a previous receipt: the chain's start was dropped or replaced.", "dropped");
        }

        for (var i = 1; i < chain.Count; i++)
        {
            var (before, r) = (chain[i - 1], chain[i].Receipt);
            if (r.Sequence != before.Receipt.Sequence + 1)
            {
                var missing = r.Sequence - before.Receipt.Sequence - 1;
                return new ChainCheck(i, $"{missing} record(s) dropped: sequence {before.Receipt.Sequence} is followed by {r.Sequence} (record {i + 1}).", "dropped");
            }

            if (!r.Previous.AsSpan().SequenceEqual(before.Hash()))
            {
                return new ChainCheck(i, $"Record {i + 1} (sequence {r.Sequence}) does not link to sequence {before.Receipt.Sequence}: its previous-hash differs, so a record between them was dropped or replaced.", "dropped");
            }
        }

        return null;
    }
}
