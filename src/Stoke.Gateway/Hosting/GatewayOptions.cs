namespace Stoke.Gateway.Hosting;

/// <summary>Settings of the HTTP gateway on a node, bound from <c>Stoke:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Stoke:Gateway";

    /// <summary>Address Kestrel listens on; port 0 picks a free one (tests).</summary>
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Largest inference request body; bigger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32L << 20;

    /// <summary>Largest model upload at deploy.</summary>
    public long MaxModelBytes { get; set; } = 2L << 30;

    /// <summary>API keys and the tenant each belongs to. Empty: no keys, and only loopback clients are served.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Tenant used when no keys are configured.</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>How long a node trusts its cached view of a function's versions.</summary>
    public TimeSpan DirectoryTtl { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>One API key, its tenant and its quotas.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";
    public string Tenant { get; set; } = "";

    /// <summary>Most requests this key may make per minute (sliding window, cluster-wide); 0: unlimited.</summary>
    public int RequestsPerMinute { get; set; }

    /// <summary>Most prompt plus completion tokens this key may use per minute (sliding window, cluster-wide); 0: unlimited.</summary>
    public long TokensPerMinute { get; set; }
}
