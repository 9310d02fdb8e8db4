using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Tensors;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Management;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Quotas;
using Stoke.Gateway.Routing;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.OpenAI.Embeddings;

/// <summary>
/// <c>POST /v1/embeddings</c>: tokenise in the gateway with the function's vocab, run the encoder through the function's
/// router and batcher (the tensor path, so requests batch), then mean-pool and L2-normalise here. Also the deploy of an
/// embedding function: <c>POST /api/functions/{name}/embedding</c> with the ONNX model and its vocab as form files.
/// </summary>
internal static class EmbeddingEndpoints
{
    /// <summary>Most texts in one request.</summary>
    public const int MaxInputs = 256;

    public static async Task EmbedAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var body = JsonRead.Object(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
        var model = JsonRead.RequiredString(body, "model");
        var inputs = JsonRead.Strings(body, "input") ?? throw OpenAIError.BadRequest("Missing required parameter: 'input'.", "input");
        if (inputs.Count is 0 or > MaxInputs || inputs.Any(string.IsNullOrEmpty))
        {
            throw OpenAIError.BadRequest($"'input' must be a non-empty string or 1 to {MaxInputs} non-empty strings.", "input");
        }

        var format = JsonRead.String(body, "encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw OpenAIError.BadRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
        }

        var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), model, null);
        var embedder = await services.GetRequiredService<EmbedderCache>().GetAsync(spec, context.RequestAborted);
        var quota = await services.GetRequiredService<QuotaGate>().AdmitAsync(context);
        var encoded = embedder.Encode(inputs);
        var time = services.GetRequiredService<TimeProvider>();
        var function = services.GetRequiredService<IGrainFactory>().GetGrain<IFunctionGrain>(FunctionVersionKey.Of(spec.Tenant, spec.Name, spec.Version));
        var outcome = await function.Invoke(
            new InferenceRequest("emb-" + Guid.NewGuid().ToString("N")[..16], encoded.Inputs, [embedder.OutputName]),
            time.GetUtcNow() + spec.Scaling.DefaultDeadline);
        var vectors = embedder.Pool(outcome.Outputs, encoded);
        var tokens = encoded.TokenCounts.Sum();
        if (quota is not null)
        {
            await quota.Charge(tokens);
        }

        var data = new JsonArray();
        for (var i = 0; i < vectors.Length; i++)
        {
            JsonNode embedding = format == "base64"
                ? Convert.ToBase64String(MemoryMarshal.AsBytes(vectors[i].AsSpan()))
                : new JsonArray(vectors[i].Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        var response = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = spec.Name,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    public static async Task<IResult> DeployAsync(HttpContext context, string name)
    {
        var services = context.RequestServices;
        FunctionDeployer.ValidateName(name);
        if (!context.Request.HasFormContentType)
        {
            throw new StokeException(StokeErrorKind.BadRequest, "Send the model and its vocab as multipart form files 'model' and 'vocab'.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var modelFile = form.Files["model"];
        var vocabFile = form.Files["vocab"];
        if (modelFile is null || vocabFile is null)
        {
            throw new StokeException(StokeErrorKind.BadRequest, "Both form files 'model' (.onnx) and 'vocab' (vocab.txt) are required.");
        }

        var request = DeploySettings.Parse(context.Tenant(), name, await ReadAsync(modelFile, context.RequestAborted), context.Request.Query) with
        {
            Tokenizer = await ReadAsync(vocabFile, context.RequestAborted),
            TokenizerKind = "bert",
        };
        var spec = await services.GetRequiredService<FunctionDeployer>().DeployAsync(request, context.RequestAborted);
        services.GetRequiredService<FunctionDirectory>().Invalidate(spec.Tenant, spec.Name);

        // Prove the vocab and the signature make an embedder now, not at the first request.
        try
        {
            await services.GetRequiredService<EmbedderCache>().GetAsync(spec, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Deployed, but not usable for embeddings: {e.Message}");
        }

        return Results.Json(spec, ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }
}
