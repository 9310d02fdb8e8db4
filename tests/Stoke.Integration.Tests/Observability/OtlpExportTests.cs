using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Tracing;

namespace Stoke.Integration.Tests.Observability;

/// <summary>The standard OTEL_* settings switch OTLP export on; without them there is no provider at all.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task SpansReachTheOtlpEndpointNamedByTheStandardSetting()
    {
        using var receiver = new OtlpReceiver();
        await using var node = await EmbeddedStoke.StartAsync(args:
        [
            "--OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.Endpoint,
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_SERVICE_NAME=stoke-otlp-test",
            "--OTEL_BSP_SCHEDULE_DELAY=100",
        ]);
        using var client = node.Client();
        await client.DeployAsync("cls-otlp", TestModels.Classifier);
        var traceId = (await SpanCollector.InferTracedAsync(node.Address, "cls-otlp")).TraceId;

        var traceBytes = Convert.FromHexString(traceId.ToHexString());
        var export = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Bodies("/v1/traces").FirstOrDefault(b => Contains(b, traceBytes) && Contains(b, Encoding.UTF8.GetBytes(RuntimeTracing.Invoke)))),
            b => b is not null, TimeSpan.FromSeconds(30), "an OTLP trace export with the request's trace id and its stoke.invoke span");
        Assert.True(Contains(export!, Encoding.UTF8.GetBytes("stoke-otlp-test")), "the resource carries OTEL_SERVICE_NAME");
    }

    [Fact]
    public async Task WithoutTheEndpointNoTracerProviderIsRegistered()
    {
        await using var node = await EmbeddedStoke.StartAsync();

        Assert.Null(node.Services.GetService<TracerProvider>());
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
