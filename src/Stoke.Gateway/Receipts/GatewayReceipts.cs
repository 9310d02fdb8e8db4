using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Usage;
using Stoke.Receipts;

namespace Stoke.Gateway.Receipts;

/// <summary>
/// The gateway's side of receipts: signs the exact request and response bytes of an answered request into the
/// tenant's chain and puts the receipt in the <c>Stoke-Receipt</c> header; does nothing when receipts are off.
/// </summary>
public sealed partial class GatewayReceipts(ReceiptBook? book, ILogger<GatewayReceipts> logger) : IDisposable
{
    /// <summary>Says why an answer carries no receipt although receipts are on (its journal could not be written).</summary>
    public const string UnavailableHeader = "Stoke-Receipt-Unavailable";

    /// <summary>This node's receipt book, or null with <c>Stoke:Receipts:Enabled=false</c>.</summary>
    public ReceiptBook? Book => book;

    /// <summary>Adds the receipt header; call it after the response body is final and before it is sent.</summary>
    public void Attach(HttpContext context, FunctionSpec spec, ReadOnlyMemory<byte> request, ReadOnlyMemory<byte> response, IReadOnlyList<UsageRecord> usage)
    {
        if (book is null)
        {
            return;
        }

        try
        {
            var receipt = book.Issue(new ReceiptSubject(spec.Tenant, spec.Name, spec.Version, spec.Artifact.Sha256, request, response, usage));
            context.Response.Headers[ReceiptBook.Header] = receipt.ToBase64Url();
        }
        catch (IOException ex)
        {
            // The answer is good and already metered: it goes out without a receipt rather than as an error. No
            // sequence number was spent (the journal is written first), so the chain shows no gap.
            Log.ReceiptNotRecorded(logger, spec.Tenant, spec.Name, ex.Message);
            context.Response.Headers[UnavailableHeader] = "the receipt journal could not be written";
        }
    }

    /// <summary>Logs a chain read back from disk that does not verify (<see cref="ReceiptBook"/>'s rejected callback).</summary>
    public static void ChainRejected(ILogger logger, string problem) => Log.ChainRejected(logger, problem);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "{Problem}")]
        public static partial void ChainRejected(ILogger logger, string problem);

        [LoggerMessage(EventId = 3300, Level = LogLevel.Warning, Message = "An answer of {Tenant}/{Function} went out without a receipt: its journal could not be written ({Reason})")]
        public static partial void ReceiptNotRecorded(ILogger logger, string tenant, string function, string reason);
    }

    public void Dispose() => book?.Dispose();
}
