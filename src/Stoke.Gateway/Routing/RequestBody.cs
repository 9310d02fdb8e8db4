using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Routing;

/// <summary>Reads a whole request body within a size limit; an oversized body is a 413, never a partial read.</summary>
public static class RequestBody
{
    /// <summary>Bodies up to this size are read into one buffer of their declared length; larger ones grow as they arrive.</summary>
    private const int UpFront = 1 << 20;

    private static StokeException Truncated(long read, long declared) =>
        new(StokeErrorKind.BadRequest, $"Body ended after {read} of {declared} bytes.");

    public static async Task<byte[]> ReadAsync(HttpContext context, long limit)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        var length = context.Request.ContentLength;
        if (length > limit)
        {
            throw new BadHttpRequestException($"Body of {length} bytes exceeds the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        if (length is { } known && known <= UpFront)
        {
            var buffer = new byte[known];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await context.Request.Body.ReadAsync(buffer.AsMemory(read), context.RequestAborted);
                if (n == 0)
                {
                    throw Truncated(read, known);
                }

                read += n;
            }

            return buffer;
        }

        if (length is { } declared)
        {
            // A large declared length is not allocated before its bytes arrive: a client that declares 32 MB and
            // sends nothing (on many connections) must not make the node hold 32 MB each.
            using var grown = new MemoryStream(UpFront);
            await context.Request.Body.CopyToAsync(grown, context.RequestAborted);
            if (grown.Length != declared)
            {
                throw Truncated(grown.Length, declared);
            }

            return grown.ToArray();
        }

        using var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy, context.RequestAborted);
        if (copy.Length > limit)
        {
            throw new BadHttpRequestException($"Body exceeds the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        return copy.ToArray();
    }
}
