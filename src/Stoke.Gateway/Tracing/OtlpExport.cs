using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stoke.Engines.Onnx;
using Stoke.Gateway.Metrics;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Tracing;

namespace Stoke.Gateway.Tracing;

/// <summary>
/// OTLP export of the node's spans and metrics, on only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// exporter reads it and the other standard <c>OTEL_*</c> settings itself): without it no provider listens, every
/// ActivitySource stays without listeners and the request path creates no span at all.
/// </summary>
public static class OtlpExport
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>Orleans' grain-call spans: listened to because they carry a request's context between silos.</summary>
    public const string OrleansSource = "Microsoft.Orleans.Application";

    public static readonly string[] Sources = [GatewayTracing.SourceName, RuntimeTracing.SourceName, OnnxTracing.SourceName, OrleansSource];

    public static readonly string[] Meters = [GatewayMetrics.MeterName, RuntimeMetrics.MeterName, "Stoke.OpenAI"];

    /// <summary>Adds the OpenTelemetry SDK with OTLP exporters when the endpoint is configured; true when it did.</summary>
    public static bool AddWhenConfigured(IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[EndpointSetting]))
        {
            return false;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                // OTEL_SERVICE_NAME (read by the SDK's default resource) wins; "stoke" otherwise.
                if (string.IsNullOrWhiteSpace(configuration[ServiceNameSetting]))
                {
                    r.AddService("stoke");
                }
            })
            .WithTracing(t => t.AddSource(Sources).AddProcessor(new DropOrleansRoots()).AddOtlpExporter())
            .WithMetrics(m => m.AddMeter(Meters).AddOtlpExporter());
        return true;
    }

    // A grain call outside any request (a controller's tick, a node's load report) would be a one-span trace every
    // few hundred milliseconds: it is not recorded, and neither are its children.
    private sealed class DropOrleansRoots : BaseProcessor<Activity>
    {
        public override void OnStart(Activity data)
        {
            if (data.Parent is null && data.ParentSpanId == default && data.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal))
            {
                data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                data.IsAllDataRequested = false;
            }
        }
    }
}
