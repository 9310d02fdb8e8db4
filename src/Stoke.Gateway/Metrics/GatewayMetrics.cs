using System.Diagnostics.Metrics;
using Stoke.Abstractions.Usage;
using Stoke.Runtime.Metrics;

namespace Stoke.Gateway.Metrics;

/// <summary>Request instruments of the gateway (meter <c>Stoke.Gateway</c>): counts and latency by phase.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Stoke.Gateway";
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _total;
    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _coldStart;
    private readonly Histogram<double> _compute;
    private readonly Counter<double> _energy;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("stoke.requests", "{request}", "Inference requests by function and status code.");
        _total = meter.CreateHistogram<double>("stoke.request.duration", "s", "Time from request received to response ready.");
        _queue = meter.CreateHistogram<double>("stoke.request.queue.duration", "s", "Time a request waited in a batch queue.");
        _coldStart = meter.CreateHistogram<double>("stoke.request.cold_start.duration", "s", "Time a request was held for a cold start.");
        _compute = meter.CreateHistogram<double>("stoke.request.compute.duration", "s", "Engine time of the batch that served a request.");
        _energy = meter.CreateCounter<double>("stoke.request.energy", "J", "Estimated energy of the requests answered (the node's power model).");
    }

    /// <summary>The function label of requests that named no deployed function: unknown names must not each make a series.</summary>
    public const string UnknownFunction = "(unknown)";

    /// <param name="function">The resolved function's name; null when the request named none that exists (or failed before).</param>
    public void Completed(string tenant, string? function, int status, TimeSpan duration, UsageRecord? usage)
    {
        var owner = new KeyValuePair<string, object?>(MetricTags.Tenant, tenant);
        var fn = new KeyValuePair<string, object?>(MetricTags.Function, function ?? UnknownFunction);
        var code = new KeyValuePair<string, object?>(MetricTags.StatusCode, status);
        _requests.Add(1, owner, fn, code);
        if (_total.Enabled)
        {
            _total.Record(duration.TotalSeconds, owner, fn, code);
        }

        if (usage is null)
        {
            return;
        }

        if (_queue.Enabled)
        {
            _queue.Record(usage.QueueMs / 1000, owner, fn);
        }

        if (_compute.Enabled)
        {
            _compute.Record(usage.ComputeMs / 1000, owner, fn);
        }

        _energy.Add(usage.EnergyJoules, owner, fn);
        if (usage.ColdStartTier is not null && _coldStart.Enabled)
        {
            _coldStart.Record(usage.ColdStartMs / 1000, owner, fn, new(MetricTags.Tier, usage.ColdStartTier));
        }
    }
}
