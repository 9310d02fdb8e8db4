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

    /// <summary>API keys, the tenant and role of each. Empty: no keys, and only loopback clients are served (see <see cref="AllowAnonymous"/>).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Tenant (with operator rights) of every caller when no keys are configured.</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>
    /// Without keys, also serve callers that are not a direct loopback peer (a non-loopback bind, forwarded requests)
    /// as the default tenant with operator rights. Off: such a node refuses to start and forwarded requests get 401.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Caps per tenant, set by the operator (configuration <c>Stoke:Gateway:TenantLimits:TENANT:...</c>); a tenant not named has none.</summary>
    public Dictionary<string, TenantLimits> TenantLimits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Most connections the gateway holds at once; past it Kestrel closes each new connection at once (counted in
    /// <c>kestrel.rejected_connections</c>). Lowered at start, with a warning, to fit the process's open-file limit.
    /// </summary>
    public long MaxConnections { get; set; } = 10_000;

    /// <summary>How long a connection may sit idle, before its first request or between two, before it is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>How long a request's line and headers may take to arrive, from its first byte; past it the connection is closed.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node trusts its cached view of a function's versions.</summary>
    public TimeSpan DirectoryTtl { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>One API key, its tenant, its role and its quotas.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";
    public string Tenant { get; set; } = "";

    /// <summary>What the key may do beyond its tenant's own functions: an operator also sets prices and sees the whole cluster.</summary>
    public ApiKeyRole Role { get; set; } = ApiKeyRole.Tenant;

    /// <summary>Most requests this key may make per minute (sliding window, cluster-wide); 0: unlimited.</summary>
    public int RequestsPerMinute { get; set; }

    /// <summary>Most prompt plus completion tokens this key may use per minute (sliding window, cluster-wide); 0: unlimited.</summary>
    public long TokensPerMinute { get; set; }
}

/// <summary>The rights of an API key.</summary>
public enum ApiKeyRole
{
    /// <summary>Its tenant's functions only: deploy (without prices), invoke, list, usage, its own status.</summary>
    Tenant,

    /// <summary>Also prices at deploy, <c>/metrics</c>, and the cluster-wide <c>/api/status</c> (every tenant, node memory, artifact caches).</summary>
    Operator,
}

/// <summary>An operator's caps on one tenant; 0 means unlimited.</summary>
public sealed class TenantLimits
{
    /// <summary>Most functions (distinct names) the tenant may have deployed; a deploy of a new name beyond it gets 403.</summary>
    public int MaxFunctions { get; set; }

    /// <summary>Most artifact bytes over all the tenant's function versions; a deploy that would pass it gets 413.</summary>
    public long MaxArtifactBytes { get; set; }

    /// <summary>Most instances of the tenant's functions loading or ready at once in the cluster; beyond it requests wait or get 503.</summary>
    public int MaxInstances { get; set; }
}
