using System.Diagnostics.Metrics;

using Stoke.Runtime.Instances;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;

namespace Stoke.Runtime.Metrics;

/// <summary>Instruments of the node runtime (meter <c>Stoke.Runtime</c>): batches, cold starts, instances, memory.</summary>
public sealed class RuntimeMetrics
{
    public const string MeterName = "Stoke.Runtime";

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _coldStarts;
    private readonly Histogram<double> _coldStartDuration;
    private readonly Histogram<double> _coldStartPhase;
    private readonly Counter<long> _routes;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _artifactRejected;
    private readonly Counter<double> _policyInstanceTime;
    private readonly Counter<long> _policyColdArrivals;

    public RuntimeMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _batchSize = Meter.CreateHistogram<int>("stoke.batch.size", "{request}", "Requests merged into one engine call.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        _batchDuration = Meter.CreateHistogram<double>("stoke.batch.duration", "s", "Engine time of one batch.");
        _coldStarts = Meter.CreateCounter<long>("stoke.cold_starts", "{instance}", "Instances started, by the tier their artifact came from.");
        _coldStartDuration = Meter.CreateHistogram<double>("stoke.cold_start.duration", "s", "Time from instance start to ready.");
        _coldStartPhase = Meter.CreateHistogram<double>("stoke.cold_start.phase.duration", "s", "Cold start phases: fetch, session_create, first_run.");
        _routes = Meter.CreateCounter<long>("stoke.routing.decisions", "{request}", "Requests routed by the warm path (stoke.route=direct) or through the function's controller (stoke.route=controller).");
        _retries = Meter.CreateCounter<long>("stoke.request.retries", "{request}", "Requests tried again on another instance after theirs was lost.");
        _artifactRejected = Meter.CreateCounter<long>(
            "stoke.artifact.rejected", "{fetch}", "Artifact copies refused by a cold start (wrong hash or size, failed or timed-out peer), by tier and reason.");
        _policyInstanceTime = Meter.CreateCounter<double>(
            "stoke.policy.instance_time", "s", "Instance time of a function with shadow policies, as run (stoke.policy.role=live) and as its shadow would have run it (shadow).");
        _policyColdArrivals = Meter.CreateCounter<long>(
            "stoke.policy.cold_arrivals", "{request}", "Requests of a function with shadow policies that arrived with no ready instance, live and as the shadow would have had it.");
        Rapl.Observe(Meter);
    }

    /// <summary>The node's measured CPU-package energy, where RAPL counters are readable.</summary>
    public RaplEnergy Rapl { get; } = new();

    /// <summary>A function with shadow policies ticked: what its live and shadow policies added since the last tick.</summary>
    public void RecordShadow(FunctionSpec spec, ShadowStatus before, ShadowStatus now)
    {
        KeyValuePair<string, object?> live = new(MetricTags.PolicyRole, "live"), shadow = new(MetricTags.PolicyRole, "shadow");
        _policyInstanceTime.Add((now.LiveInstanceHours - before.LiveInstanceHours) * 3600, Owner(spec), Function(spec), live);
        _policyInstanceTime.Add((now.InstanceHours - before.InstanceHours) * 3600, Owner(spec), Function(spec), shadow);
        _policyColdArrivals.Add(now.LiveColdArrivals - before.LiveColdArrivals, Owner(spec), Function(spec), live);
        _policyColdArrivals.Add(now.ColdArrivals - before.ColdArrivals, Owner(spec), Function(spec), shadow);
    }

    public void RecordRoute(FunctionSpec spec, bool direct) =>
        _routes.Add(1, Owner(spec), Function(spec), new(MetricTags.Route, direct ? "direct" : "controller"));

    public void RecordRetry(FunctionSpec spec) => _retries.Add(1, Owner(spec), Function(spec));

    /// <summary>The meter, so the node can attach its observable gauges (instances by state, memory).</summary>
    public Meter Meter { get; }

    public void RecordBatch(FunctionSpec spec, int size, TimeSpan duration)
    {
        if (_batchSize.Enabled)
        {
            _batchSize.Record(size, Owner(spec), Function(spec));
        }

        if (_batchDuration.Enabled)
        {
            _batchDuration.Record(duration.TotalSeconds, Owner(spec), Function(spec));
        }
    }

    /// <summary>A copy of an artifact from <paramref name="tier"/> was not used: <c>hash</c>, <c>size</c>, <c>timeout</c> or <c>error</c>.</summary>
    public void RecordArtifactRejected(string tier, string reason) =>
        _artifactRejected.Add(1, new KeyValuePair<string, object?>(MetricTags.Tier, tier), new KeyValuePair<string, object?>(MetricTags.ErrorType, reason));

    public void RecordColdStart(FunctionSpec spec, ColdStartReport report)
    {
        var owner = Owner(spec);
        var fn = Function(spec);
        var tier = new KeyValuePair<string, object?>(MetricTags.Tier, report.Tier);
        _coldStarts.Add(1, owner, fn, tier);
        if (_coldStartDuration.Enabled)
        {
            _coldStartDuration.Record(report.TotalMs / 1000, owner, fn, tier);
        }

        if (_coldStartPhase.Enabled)
        {
            _coldStartPhase.Record(report.FetchMs / 1000, owner, fn, tier, new(MetricTags.Phase, "fetch"));
            _coldStartPhase.Record(report.SessionCreateMs / 1000, owner, fn, tier, new(MetricTags.Phase, "session_create"));
            _coldStartPhase.Record(report.FirstRunMs / 1000, owner, fn, tier, new(MetricTags.Phase, "first_run"));
        }
    }

    private static KeyValuePair<string, object?> Owner(FunctionSpec spec) => new(MetricTags.Tenant, spec.Tenant);

    private static KeyValuePair<string, object?> Function(FunctionSpec spec) => new(MetricTags.Function, spec.Name);
}
