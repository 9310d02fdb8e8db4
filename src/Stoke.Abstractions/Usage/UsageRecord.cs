namespace Stoke.Abstractions.Usage;

/// <summary>What one request used; billing, quotas and the usage API are computed from these.</summary>
[GenerateSerializer, Immutable]
public sealed record UsageRecord
{
    [Id(0)] public required string Tenant { get; init; }
    [Id(1)] public required string Function { get; init; }
    [Id(2)] public required int Version { get; init; }
    [Id(3)] public required string Node { get; init; }
    [Id(4)] public string? RequestId { get; init; }
    [Id(5)] public DateTimeOffset Timestamp { get; init; }
    [Id(6)] public double QueueMs { get; init; }
    /// <summary>Time this request waited for a cold start (0 when it found a warm instance).</summary>
    [Id(7)] public double ColdStartMs { get; init; }
    /// <summary>Tier the cold start loaded from (<c>repository</c>, <c>memory</c>), or null when warm.</summary>
    [Id(8)] public string? ColdStartTier { get; init; }
    [Id(9)] public double ComputeMs { get; init; }
    /// <summary>Instance memory times this request's share of the batch's compute time.</summary>
    [Id(10)] public double MemoryMbSeconds { get; init; }
    [Id(11)] public int BatchSize { get; init; }
    [Id(12)] public long InputTokens { get; init; }
    [Id(13)] public long OutputTokens { get; init; }
    [Id(14)] public bool Succeeded { get; init; } = true;
    [Id(15)] public decimal Cost { get; init; }
    /// <summary>Estimated energy of the request (<see cref="EnergyModel.RequestJoules"/>), in joules.</summary>
    [Id(16)] public double EnergyJoules { get; init; }
}

/// <summary>Usage summed over many records, per function version or per tenant.</summary>
[GenerateSerializer]
public sealed record UsageSummary
{
    [Id(0)] public string Tenant { get; init; } = "";
    [Id(1)] public string Function { get; init; } = "";
    [Id(2)] public int Version { get; init; }
    [Id(3)] public long Requests { get; init; }
    [Id(4)] public long Failures { get; init; }
    [Id(5)] public long ColdStarts { get; init; }
    [Id(6)] public double QueueMs { get; init; }
    [Id(7)] public double ColdStartMs { get; init; }
    [Id(8)] public double ComputeMs { get; init; }
    [Id(9)] public double MemoryMbSeconds { get; init; }
    [Id(10)] public long InputTokens { get; init; }
    [Id(11)] public long OutputTokens { get; init; }
    [Id(12)] public decimal Cost { get; init; }
    /// <summary>Failures by reason (<c>deadline_exceeded</c>, <c>overloaded</c>, <c>internal</c>, ...): every refused or failed request is counted.</summary>
    [Id(13)] public Dictionary<string, long> FailureReasons { get; init; } = [];
    /// <summary>Estimated energy of the requests, in joules.</summary>
    [Id(14)] public double EnergyJoules { get; init; }

    /// <summary>The sum of two summaries, e.g. a tenant's total over its functions.</summary>
    public UsageSummary Plus(UsageSummary o) => this with
    {
        Requests = Requests + o.Requests,
        Failures = Failures + o.Failures,
        ColdStarts = ColdStarts + o.ColdStarts,
        QueueMs = QueueMs + o.QueueMs,
        ColdStartMs = ColdStartMs + o.ColdStartMs,
        ComputeMs = ComputeMs + o.ComputeMs,
        MemoryMbSeconds = MemoryMbSeconds + o.MemoryMbSeconds,
        InputTokens = InputTokens + o.InputTokens,
        OutputTokens = OutputTokens + o.OutputTokens,
        Cost = Cost + o.Cost,
        EnergyJoules = EnergyJoules + o.EnergyJoules,
        FailureReasons = Merge(FailureReasons, o.FailureReasons),
    };

    /// <summary>Counts one request that was refused or failed after it was accepted, with its reason.</summary>
    public UsageSummary AddFailure(string reason) => this with
    {
        Requests = Requests + 1,
        Failures = Failures + 1,
        FailureReasons = Merge(FailureReasons, new Dictionary<string, long> { [reason] = 1 }),
    };

    private static Dictionary<string, long> Merge(Dictionary<string, long> a, Dictionary<string, long> b)
    {
        var sum = new Dictionary<string, long>(a ?? [], StringComparer.Ordinal);
        foreach (var (reason, count) in b ?? [])
        {
            sum[reason] = sum.GetValueOrDefault(reason) + count;
        }

        return sum;
    }

    public UsageSummary Add(UsageRecord r) => this with
    {
        Requests = Requests + 1,
        Failures = Failures + (r.Succeeded ? 0 : 1),
        ColdStarts = ColdStarts + (r.ColdStartTier is null ? 0 : 1),
        QueueMs = QueueMs + r.QueueMs,
        ColdStartMs = ColdStartMs + r.ColdStartMs,
        ComputeMs = ComputeMs + r.ComputeMs,
        MemoryMbSeconds = MemoryMbSeconds + r.MemoryMbSeconds,
        InputTokens = InputTokens + r.InputTokens,
        OutputTokens = OutputTokens + r.OutputTokens,
        Cost = Cost + r.Cost,
        EnergyJoules = EnergyJoules + r.EnergyJoules,
    };
}
