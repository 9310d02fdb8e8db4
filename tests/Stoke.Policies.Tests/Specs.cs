using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Policies.Tests;

/// <summary>Function specs for tests: a valid spec whose options each test overrides.</summary>
internal static class Specs
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static FunctionSpec With(ScalingOptions? scaling = null, BatchingOptions? batching = null, TimeSpan? slo = null) => new()
    {
        Tenant = "t",
        Name = "f",
        Version = 1,
        Engine = "onnx",
        Artifact = new ArtifactRef(new string('a', 64), 1024, "model.onnx"),
        Signature = new ModelSignature([], []),
        Scaling = scaling ?? new ScalingOptions(),
        Batching = batching ?? new BatchingOptions(),
        Slo = slo,
    };
}
