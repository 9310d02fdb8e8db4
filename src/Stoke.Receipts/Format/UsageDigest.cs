using System.Security.Cryptography;
using Stoke.Abstractions.Usage;

namespace Stoke.Receipts.Format;

/// <summary>
/// The canonical bytes of a request's usage records and their SHA-256, as a receipt carries it: a 4-byte count, then
/// each record's fields in declaration order (strings length-prefixed, a null string as empty, doubles as IEEE 754
/// bits, the timestamp as UTC ticks, the cost as <see cref="decimal.GetBits(decimal)"/>, then the energy). A request with several
/// choices (OpenAI <c>n</c>) has one record per choice.
/// </summary>
public static class UsageDigest
{
    public static byte[] Encode(IReadOnlyList<UsageRecord> records)
    {
        var w = new CanonicalWriter();
        w.Int32(records.Count);
        foreach (var r in records)
        {
            w.String(r.Tenant);
            w.String(r.Function);
            w.Int32(r.Version);
            w.String(r.Node);
            w.String(r.RequestId);
            w.Int64(r.Timestamp.UtcTicks);
            w.Double(r.QueueMs);
            w.Double(r.ColdStartMs);
            w.String(r.ColdStartTier);
            w.Double(r.ComputeMs);
            w.Double(r.MemoryMbSeconds);
            w.Int32(r.BatchSize);
            w.Int64(r.InputTokens);
            w.Int64(r.OutputTokens);
            w.Byte(r.Succeeded ? (byte)1 : (byte)0);
            foreach (var part in decimal.GetBits(r.Cost))
            {
                w.Int32(part);
            }

            w.Double(r.EnergyJoules);
        }

        return w.ToArray();
    }

    public static byte[] Hash(IReadOnlyList<UsageRecord> records) => SHA256.HashData(Encode(records));
}
