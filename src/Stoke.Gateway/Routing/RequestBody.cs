using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Routing;

/// <summary>Reads a whole request body within a size limit; an oversized body is a 413, never a partial read.</summary>
public static class RequestBody
{
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

        if (length is { } known)
        {
            var buffer = new byte[known];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await context.Request.Body.ReadAsync(buffer.AsMemory(read), context.RequestAborted);
                if (n == 0)
                {
                    throw new StokeException(StokeErrorKind.BadRequest, $"Body ended after {read} of {known} bytes.");
                }

                read += n;
            }

            return buffer;
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
