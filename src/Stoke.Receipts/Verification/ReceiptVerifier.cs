using System.Security.Cryptography;
using Stoke.Receipts.Format;
using Stoke.Receipts.Signing;

namespace Stoke.Receipts.Verification;

/// <summary>The outcome of a check: null <see cref="Problem"/> when it holds, else what failed, in words.</summary>
public sealed record ReceiptCheck(string? Problem, SignedReceipt? Receipt = null)
{
    public bool Valid => Problem is null;
}

/// <summary>Checks one receipt: its signature against the node's public key and, when given, the bodies it names.</summary>
public static class ReceiptVerifier
{
    /// <param name="request">The request body as sent, to compare with the receipt's hash; null skips that check.</param>
    /// <param name="response">The response body as received; null skips that check.</param>
    public static ReceiptCheck Verify(string receipt, ReceiptPublicKey key, ReadOnlySpan<byte> request = default, ReadOnlySpan<byte> response = default, bool checkBodies = false)
    {
        SignedReceipt signed;
        try
        {
            signed = ReceiptEncoding.FromBase64Url(receipt);
        }
        catch (FormatException e)
        {
            return new ReceiptCheck(e.Message);
        }

        if (!key.Verifies(signed.Body, signed.Signature))
        {
            return new ReceiptCheck($"Receipt {signed.Receipt.Sequence} of tenant '{signed.Receipt.Tenant}' fails its signature: it was altered, or another key signed it.", signed);
        }

        if (checkBodies && !SHA256.HashData(request).AsSpan().SequenceEqual(signed.Receipt.RequestSha256))
        {
            return new ReceiptCheck($"Receipt {signed.Receipt.Sequence}: the request body's SHA-256 is not the one it was signed for.", signed);
        }

        if (checkBodies && !SHA256.HashData(response).AsSpan().SequenceEqual(signed.Receipt.ResponseSha256))
        {
            return new ReceiptCheck($"Receipt {signed.Receipt.Sequence}: the response body's SHA-256 is not the one it was signed for.", signed);
        }

        return new ReceiptCheck(null, signed);
    }
}
