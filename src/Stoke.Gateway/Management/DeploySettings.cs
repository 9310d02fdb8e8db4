using System.Globalization;
using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Deployment;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Management;

/// <summary>
/// Reads a deploy's settings from the query string of <c>POST /api/functions/{name}</c> (the body is the model
/// file, or a multipart form with the model and its vocab). Every setting is optional; the defaults are those of
/// <see cref="BatchingOptions"/>, <see cref="ScalingOptions"/> and <see cref="FunctionSpec"/>.
/// </summary>
public static class DeploySettings
{
    /// <summary>The query parameters a deploy accepts, for the error message on an unknown one.</summary>
    public static readonly string[] Known =
    [
        "engine", "file", "batching", "maxBatchSize", "maxQueueDelayMs", "autoscaler", "keepAlive", "keepAliveSeconds", "shadowAutoscaler", "shadowKeepAlive",
        "minInstances", "maxInstances", "targetConcurrency", "maxQueued", "timeoutMs", "memoryMb", "sloMs", "label",
        "stableWindowSeconds", "panicWindowSeconds", "pricePerGbSecond", "pricePer1kInputTokens", "pricePer1kOutputTokens",
        "routing", "instanceConcurrency",
        "stream.chunk", "stream.context", "stream.state", "stream.constant", "stream.idleSeconds",
    ];

    public static DeployRequest Parse(string tenant, string name, byte[] artifact, IQueryCollection query)
    {
        foreach (var key in query.Keys)
        {
            if (!Known.Contains(key, StringComparer.Ordinal))
            {
                throw Bad($"Unknown deploy setting '{key}'. Known: {string.Join(", ", Known)}.");
            }
        }

        var batching = new BatchingOptions();
        batching = batching with
        {
            Policy = Str(query, "batching") ?? batching.Policy,
            MaxBatchSize = Int(query, "maxBatchSize") ?? batching.MaxBatchSize,
            MaxQueueDelay = Ms(query, "maxQueueDelayMs") ?? batching.MaxQueueDelay,
        };
        var scaling = new ScalingOptions();
        scaling = scaling with
        {
            Autoscaler = Str(query, "autoscaler") ?? scaling.Autoscaler,
            KeepAlive = Str(query, "keepAlive") ?? scaling.KeepAlive,
            KeepAliveTtl = Seconds(query, "keepAliveSeconds") ?? scaling.KeepAliveTtl,
            MinInstances = Int(query, "minInstances") ?? scaling.MinInstances,
            MaxInstances = Int(query, "maxInstances") ?? scaling.MaxInstances,
            TargetConcurrency = Num(query, "targetConcurrency") ?? scaling.TargetConcurrency,
            MaxQueuedRequests = Int(query, "maxQueued") ?? scaling.MaxQueuedRequests,
            DefaultDeadline = Ms(query, "timeoutMs") ?? scaling.DefaultDeadline,
            StableWindow = Seconds(query, "stableWindowSeconds") ?? scaling.StableWindow,
            PanicWindow = Seconds(query, "panicWindowSeconds") ?? scaling.PanicWindow,
            InstanceConcurrency = Int(query, "instanceConcurrency") ?? scaling.InstanceConcurrency,
            ShadowAutoscaler = Str(query, "shadowAutoscaler"),
            ShadowKeepAlive = Str(query, "shadowKeepAlive"),
        };
        var pricing = new Pricing();
        pricing = pricing with
        {
            PerGbSecond = Price(query, "pricePerGbSecond") ?? pricing.PerGbSecond,
            PerThousandInputTokens = Price(query, "pricePer1kInputTokens") ?? pricing.PerThousandInputTokens,
            PerThousandOutputTokens = Price(query, "pricePer1kOutputTokens") ?? pricing.PerThousandOutputTokens,
        };
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in query["label"])
        {
            var parts = label?.Split('=', 2);
            if (parts is not { Length: 2 } || parts[0].Length == 0)
            {
                throw Bad($"Label '{label}' must be key=value.");
            }

            labels[parts[0]] = parts[1];
        }

        return new DeployRequest
        {
            Tenant = tenant,
            Name = name,
            Artifact = artifact,
            FileName = Str(query, "file") ?? name + ".onnx",
            Engine = Str(query, "engine") ?? "onnx",
            Batching = batching,
            Scaling = scaling,
            InstanceMemoryBytes = (long)((Num(query, "memoryMb") ?? 0) * 1024 * 1024),
            Slo = Ms(query, "sloMs"),
            Labels = labels,
            Pricing = pricing,
            Routing = Str(query, "routing") ?? PolicyNames.LeastRequests,
            Stream = StreamSettings.Parse(query),
        };
    }

    private static string? Str(IQueryCollection q, string key) => q.TryGetValue(key, out var v) ? v.ToString() : null;

    private static double? Num(IQueryCollection q, string key)
    {
        var s = Str(q, key);
        if (s is null)
        {
            return null;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw Bad($"Setting '{key}' must be a number, got '{s}'.");
    }

    private static int? Int(IQueryCollection q, string key)
    {
        var s = Str(q, key);
        if (s is null)
        {
            return null;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw Bad($"Setting '{key}' must be an integer, got '{s}'.");
    }

    // A negative price would pay the tenant for its use; 0 (free) must be written out.
    private static decimal? Price(IQueryCollection q, string key) => Num(q, key) switch
    {
        null => null,
        < 0 and var d => throw Bad($"Setting '{key}' must be 0 or more, got {d.ToString(CultureInfo.InvariantCulture)}."),
        var d => (decimal)d,
    };

    private static TimeSpan? Ms(IQueryCollection q, string key) => Num(q, key) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    private static TimeSpan? Seconds(IQueryCollection q, string key) => Num(q, key) is { } s ? TimeSpan.FromSeconds(s) : null;

    private static StokeException Bad(string message) => new(StokeErrorKind.BadRequest, message);
}
