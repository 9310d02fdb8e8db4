namespace Stoke.Receipts;

/// <summary>Settings of the node's receipts, bound from <c>Stoke:Receipts</c> (docs/receipts.md).</summary>
public sealed class ReceiptOptions
{
    public const string Section = "Stoke:Receipts";

    /// <summary>Most receipts a node keeps per tenant for <c>GET /api/receipts</c>.</summary>
    public const int MaxRetained = 100_000;

    /// <summary>Sign a receipt for every successful inference response (the <c>Stoke-Receipt</c> header).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Receipts kept per tenant on this node (memory and disk), newest first out of the window: 1 to <see cref="MaxRetained"/>.</summary>
    public int Retained { get; set; } = 1000;

    /// <summary>Folder of the key and the chains. Default: <c>DataDirectory/receipts</c>.</summary>
    public string? Directory { get; set; }
}
