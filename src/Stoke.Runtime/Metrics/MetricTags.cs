namespace Stoke.Runtime.Metrics;

/// <summary>
/// The tag keys of every Stoke meter: one key per concept, the same as the spans' attributes (docs/observability.md).
/// A function is its tenant (<c>stoke.tenant</c>) and its name (<c>stoke.function</c>), never a joined key.
/// </summary>
public static class MetricTags
{
    public const string Tenant = "stoke.tenant";
    public const string Function = "stoke.function";
    /// <summary>Whether a series is what a function's live policies did or what its shadow policies would have done.</summary>
    public const string PolicyRole = "stoke.policy.role";
    public const string Tier = "stoke.artifact.tier";
    public const string Phase = "stoke.cold_start.phase";
    public const string Route = "stoke.route";
    public const string InstanceState = "stoke.instance.state";

    /// <summary>OpenTelemetry's HTTP attribute, for a request's status.</summary>
    public const string StatusCode = "http.response.status_code";

    /// <summary>OpenTelemetry's attribute for why something failed (a class of error, low cardinality).</summary>
    public const string ErrorType = "error.type";
}
