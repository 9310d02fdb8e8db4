using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Stoke.Gateway.Metrics;
using Stoke.Runtime.Metrics;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>gRPC calls are metered like REST requests, under the status REST would have answered.</summary>
[Collection(GrpcCollection.Name)]
public sealed class MeteringTests(GrpcStoke stoke)
{
    [Fact]
    public async Task InferCallsAreCountedByFunctionAndStatus()
    {
        using var rest = stoke.Rest();
        await rest.DeployAsync("cls-metered", ClassifierInput.Model, new Dictionary<string, string> { ["keepAliveSeconds"] = "60" });
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Name == "stoke.requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var function = tags.ToArray().FirstOrDefault(t => t.Key == MetricTags.Function).Value as string;
            if (function == "cls-metered")
            {
                counts.AddOrUpdate(tags.ToArray().First(t => t.Key == MetricTags.StatusCode).Value!.ToString()!, value, (_, c) => c + value);
            }
        });
        listener.Start();
        var bad = new ClassifierInput().Raw("cls-metered");
        bad.Inputs[0].Datatype = "FP64";

        await stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw("cls-metered"), GrpcStoke.Auth());
        await stoke.Grpc.ModelInferAsync(new ClassifierInput().Typed("cls-metered"), GrpcStoke.Auth());
        await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelInferAsync(bad, GrpcStoke.Auth()));

        Assert.Equal(new Dictionary<string, long> { ["200"] = 2, ["400"] = 1 }, counts.OrderBy(c => c.Key).ToDictionary());
    }
}
