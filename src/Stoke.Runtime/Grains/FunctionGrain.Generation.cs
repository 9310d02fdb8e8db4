using Stoke.Abstractions.Usage;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Grains;

// Generations: the same router and activator as tensor requests, but the stream runs from the gateway to the node;
// this grain hands out the instance (a lease), counts the generation as in flight, and meters it when it is given back.
internal sealed partial class FunctionGrain
{
    // A gateway that died mid-stream never gives its lease back; after this long the lease stops counting.
    private static readonly TimeSpan MaxLeaseAge = TimeSpan.FromMinutes(15);
    private readonly Dictionary<Guid, ActiveLease> _leases = [];

    public async Task<GenerationLease> Acquire(string? requestId, DateTimeOffset deadline)
    {
        var arrived = Admit();
        try
        {
            var wait = new ColdStartWait();
            var instance = await PickOrHoldAsync(deadline, wait);
            instance.InFlight++;
            var lease = new GenerationLease(Guid.NewGuid(), instance.Id, instance.NodeId!, wait.Ms, wait.Tier, time.GetElapsedTime(arrived).TotalMilliseconds);
            _leases[lease.LeaseId] = new ActiveLease(instance, arrived);
            return lease;
        }
        catch (Exception ex)
        {
            ChangeInFlight(-1);
            if (ex is StokeException { Kind: not StokeErrorKind.BadRequest })
            {
                RecordFailure();
            }

            throw;
        }
    }

    public Task<UsageRecord> Complete(GenerationLease lease, GenerationReport report)
    {
        var arrived = time.GetTimestamp();
        if (_leases.Remove(lease.LeaseId, out var active))
        {
            active.Instance.InFlight--;
            active.Instance.LastUsed = time.GetUtcNow();
            ChangeInFlight(-1);
            arrived = active.Arrived;
        }

        if (report.InstanceGone)
        {
            Forget(lease.InstanceId, "gone before a generation started");
        }

        var totalMs = time.GetElapsedTime(arrived).TotalMilliseconds;
        var memoryBytes = Math.Max(_spec.InstanceMemoryBytes, _spec.Artifact.SizeBytes);
        var memoryMbSeconds = memoryBytes / (1024.0 * 1024.0) * (report.ComputeMs / 1000.0) / Math.Max(1, report.ConcurrentSequences);
        var tokenCost = (report.PromptTokens * _spec.Pricing.PerThousandInputTokens / 1000m)
            + (report.CompletionTokens * _spec.Pricing.PerThousandOutputTokens / 1000m);
        var record = new UsageRecord
        {
            Tenant = _spec.Tenant,
            Function = _spec.Name,
            Version = _spec.Version,
            Node = lease.NodeId,
            RequestId = lease.LeaseId.ToString("N"),
            Timestamp = time.GetUtcNow(),
            QueueMs = lease.HeldMs - lease.ColdStartMs + report.EngineQueueMs,
            ColdStartMs = lease.ColdStartMs,
            ColdStartTier = lease.ColdStartTier,
            ComputeMs = report.ComputeMs,
            MemoryMbSeconds = memoryMbSeconds,
            BatchSize = Math.Max(1, report.ConcurrentSequences),
            InputTokens = report.PromptTokens,
            OutputTokens = report.CompletionTokens,
            Succeeded = report.Succeeded,
            Cost = ((decimal)(memoryMbSeconds / 1024.0) * _spec.Pricing.PerGbSecond) + tokenCost,
        };
        if (!report.InstanceGone)
        {
            Meter(record);
            _latency.Add(totalMs, Math.Max(1, report.ConcurrentSequences));
        }

        return Task.FromResult(record);
    }

    private void ExpireLeases()
    {
        if (_leases.Count == 0)
        {
            return;
        }

        foreach (var (id, lease) in _leases.Where(l => time.GetElapsedTime(l.Value.Arrived) > MaxLeaseAge).ToList())
        {
            _leases.Remove(id);
            lease.Instance.InFlight--;
            ChangeInFlight(-1);
            LogDecision("lease-expired", $"{lease.Instance.Id}: a generation's lease was not given back within {MaxLeaseAge.TotalMinutes} min");
        }
    }

    private sealed record ActiveLease(RoutedInstance Instance, long Arrived);
}
