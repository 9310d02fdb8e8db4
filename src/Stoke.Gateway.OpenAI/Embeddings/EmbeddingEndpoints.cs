using System.Buffers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Gateway.Auth;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Quotas;
using Stoke.Gateway.Routing;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.OpenAI.Embeddings;

/// <summary>
/// <c>POST /v1/embeddings</c>: the texts go to an instance of the embedding function, which tokenises them with the
/// function's vocab, runs the encoder through its batcher (so requests batch) and mean-pools and L2-normalises there.
/// Any ONNX encoder deployed with its vocab (<c>stoke deploy NAME --model M --vocab V</c>, or a sample that has one)
/// answers here as well as on OIP v2.
/// </summary>
internal static class EmbeddingEndpoints
{
    /// <summary>Most texts in one request.</summary>
    public const int MaxInputs = 256;

    private static readonly FieldRules Fields = new FieldRules()
        .Supported("model", "input", "encoding_format", "dimensions", "user");

    public static async Task EmbedAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var exact = await ExactBody.ReadAsync(context);
        var body = exact.Json;
        Fields.Check(body);
        var model = JsonRead.RequiredString(body, "model");
        var inputs = Inputs(body);

        var format = JsonRead.String(body, "encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw OpenAIError.BadRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
        }

        var dimensions = JsonRead.Integer(body, "dimensions");
        if (dimensions is < 1)
        {
            throw OpenAIError.BadRequest("'dimensions' must be at least 1.", "dimensions");
        }

        var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), model, null);
        Stoke.Gateway.Tracing.GatewayTracing.Function(spec);
        if (spec.Tokenizer is null)
        {
            throw new OpenAIError(400, $"Model '{spec.Name}' is not an embedding model: deploy it with its vocab (stoke deploy {spec.Name} --model FILE --vocab vocab.txt).", "invalid_request_error", "model");
        }

        var quota = await services.GetRequiredService<QuotaGate>().AdmitAsync(context);
        var time = services.GetRequiredService<TimeProvider>();
        var outcome = await services.GetRequiredService<IFunctionInvoker>().EmbedAsync(
            spec, [.. inputs], new InvocationOptions(time.GetUtcNow() + spec.Scaling.DefaultDeadline), context.RequestAborted);
        var tokens = outcome.TokenCounts.Sum();
        // Cutting a vector short is right only for models trained for it (Matryoshka); the encoder's own size is honoured.
        if (dimensions is { } wanted && outcome.Vectors.Length > 0 && outcome.Vectors[0].Length != wanted)
        {
            throw OpenAIError.BadRequest($"'dimensions' {wanted} is not supported: model '{spec.Name}' embeds in {outcome.Vectors[0].Length} dimensions.", "dimensions");
        }

        if (JsonRead.String(body, "user") is { } endUser)
        {
            OpenAILog.EndUser(services.GetRequiredService<ILoggerFactory>().CreateLogger(OpenAILog.Category), "embeddings", spec.Name, endUser);
        }

        if (quota is not null)
        {
            await quota.Charge(tokens);
        }

        var response = new ArrayBufferWriter<byte>();
        EmbeddingResponse.Write(response, outcome.Vectors, format == "base64", spec.Name, tokens);
        await exact.RespondAsync(context, response.WrittenMemory, spec, [outcome.Usage]);
    }

    // A string or strings; token arrays are refused (the encoder takes text, tokenised with its own vocab).
    private static List<string> Inputs(JsonObject body)
    {
        if (body["input"] is JsonArray items && items.Any(i => i is JsonArray || i?.GetValueKind() == System.Text.Json.JsonValueKind.Number))
        {
            throw OpenAIError.BadRequest("'input' as token ids is not supported: send text; the encoder tokenises it with its own vocab.", "input");
        }

        var inputs = JsonRead.Strings(body, "input") ?? throw OpenAIError.BadRequest("Missing required parameter: 'input'.", "input");
        if (inputs.Count is 0 or > MaxInputs || inputs.Any(string.IsNullOrEmpty))
        {
            throw OpenAIError.BadRequest($"'input' must be a non-empty string or 1 to {MaxInputs} non-empty strings.", "input");
        }

        return inputs;
    }
}
