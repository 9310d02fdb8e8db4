using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Usage;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Receipts;
using Stoke.Gateway.Routing;

namespace Stoke.Gateway.OpenAI.Protocol;

/// <summary>
/// A JSON request read whole and a JSON response written whole, keeping both as bytes: the receipt is signed over
/// exactly what the client sent and receives.
/// </summary>
internal sealed class ExactBody
{
    private ExactBody(byte[] bytes, JsonObject json)
    {
        Bytes = bytes;
        Json = json;
    }

    public byte[] Bytes { get; }

    public JsonObject Json { get; }

    // The limit stays Kestrel's body limit on this node, as when the body was parsed straight from the stream.
    public static async Task<ExactBody> ReadAsync(HttpContext context)
    {
        var bytes = await RequestBody.ReadAsync(context, context.RequestServices.GetRequiredService<GatewayOptions>().MaxModelBytes);
        return new ExactBody(bytes, JsonRead.Object(JsonNode.Parse(bytes)));
    }

    /// <summary>Writes <paramref name="response"/> with the receipt of this request's exchange in its header.</summary>
    public Task RespondAsync(HttpContext context, JsonObject response, FunctionSpec spec, IReadOnlyList<UsageRecord> usage) =>
        RespondAsync(context, Encoding.UTF8.GetBytes(response.ToJsonString()), spec, usage);

    /// <summary>Writes the JSON <paramref name="response"/> bytes with the receipt of this request's exchange in its header.</summary>
    public async Task RespondAsync(HttpContext context, ReadOnlyMemory<byte> response, FunctionSpec spec, IReadOnlyList<UsageRecord> usage)
    {
        context.RequestServices.GetRequiredService<GatewayReceipts>().Attach(context, spec, Bytes, response, usage);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response, context.RequestAborted);
    }
}
