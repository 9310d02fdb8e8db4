using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Control.Metering;

namespace Stoke.Control.Tests;

public sealed class UsagePricingTests
{
    private static readonly FunctionSpec Spec = new()
    {
        Tenant = "t",
        Name = "f",
        Version = 1,
        Engine = "onnx",
        Artifact = new ArtifactRef("abc", 1 << 20, "m.onnx"),
        Signature = new ModelSignature([], []),
        InstanceMemoryBytes = 1L << 30,
        Pricing = new Pricing { PerGbSecond = 2m, PerThousandInputTokens = 1m, PerThousandOutputTokens = 3m },
    };

    [Fact]
    public void ABatchsMemoryTimeIsSharedByItsRequests()
    {
        var (mbSeconds, cost) = UsagePricing.Price(Spec, computeMs: 1000, sharedBy: 4);

        Assert.Equal(256.0, mbSeconds, 6);
        Assert.Equal(0.5m, cost);
    }

    [Fact]
    public void TokensArePricedOnTopOfMemoryTime()
    {
        var (_, cost) = UsagePricing.Price(Spec, computeMs: 0, sharedBy: 1, inputTokens: 1000, outputTokens: 500);

        Assert.Equal(2.5m, cost);
    }
}
