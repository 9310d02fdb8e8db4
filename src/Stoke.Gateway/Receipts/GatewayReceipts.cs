using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Usage;
using Stoke.Receipts;

namespace Stoke.Gateway.Receipts;

/// <summary>
/// The gateway's side of receipts: signs the exact request and response bytes of an answered request into the
/// tenant's chain and puts the receipt in the <c>Stoke-Receipt</c> header; does nothing when receipts are off.
/// </summary>
public sealed class GatewayReceipts(ReceiptBook? book) : IDisposable
{
    /// <summary>This node's receipt book, or null with <c>Stoke:Receipts:Enabled=false</c>.</summary>
    public ReceiptBook? Book => book;

    /// <summary>Adds the receipt header; call it after the response body is final and before it is sent.</summary>
    public void Attach(HttpContext context, FunctionSpec spec, ReadOnlyMemory<byte> request, ReadOnlyMemory<byte> response, IReadOnlyList<UsageRecord> usage)
    {
        if (book is null)
        {
            return;
        }

        var receipt = book.Issue(new ReceiptSubject(spec.Tenant, spec.Name, spec.Version, spec.Artifact.Sha256, request, response, usage));
        context.Response.Headers[ReceiptBook.Header] = receipt.ToBase64Url();
    }

    public void Dispose() => book?.Dispose();
}
