using System.Text.Json;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Registry;

namespace Stoke.Runtime.Tests.Registry;

/// <summary>Specs read back from the store, each with its own copies, come out of the registry sharing their equal parts.</summary>
public sealed class SpecInternerTests
{
    [Fact]
    public void SpecsReadFromTheStoreShareOneArtifactSignatureAndOptions()
    {
        var interner = new SpecInterner();
        var (a, b) = (interner.Share(RoundTrip(Spec("fn-a"))), interner.Share(RoundTrip(Spec("fn-b"))));

        Assert.Same(a.Artifact, b.Artifact);
        Assert.Same(a.Signature, b.Signature);
        Assert.Same(a.Scaling, b.Scaling);
        Assert.Same(a.Batching, b.Batching);
        Assert.Same(a.Pricing, b.Pricing);
        Assert.Same(a.Labels, b.Labels);
        Assert.Same(a.Tenant, b.Tenant);
    }

    [Fact]
    public void ReferencesToOneModelUploadedUnderOtherFileNamesShareItsHash()
    {
        var interner = new SpecInterner();
        var a = interner.Share(RoundTrip(Spec("fn-a")));
        var b = interner.Share(RoundTrip(Spec("fn-b") with { Artifact = Spec("fn-b").Artifact with { FileName = "fn-b.onnx" } }));

        Assert.Same(a.Artifact.Sha256, b.Artifact.Sha256);
        Assert.Equal(("model.onnx", "fn-b.onnx"), (a.Artifact.FileName, b.Artifact.FileName));
    }

    [Fact]
    public void SpecsThatDifferKeepTheirOwnParts()
    {
        var interner = new SpecInterner();
        var a = interner.Share(Spec("fn-a"));
        var b = interner.Share(Spec("fn-b") with
        {
            Signature = new ModelSignature([new TensorSpec("x", TensorDataType.FP32, [TensorShape.Dynamic, 8])], [new TensorSpec("y", TensorDataType.FP32, [TensorShape.Dynamic, 4])]),
            Scaling = new ScalingOptions { MaxInstances = 2 },
        });

        Assert.NotSame(a.Signature, b.Signature);
        Assert.Equal((4, 2), (a.Scaling.MaxInstances, b.Scaling.MaxInstances));
        Assert.Equal(8, b.Signature.Inputs[0].Shape[1]);
    }

    private static FunctionSpec Spec(string name) => new()
    {
        Tenant = "alpha",
        Name = name,
        Version = 1,
        Engine = "onnx",
        Artifact = new ArtifactRef(new string('a', 64), 111, "model.onnx"),
        Signature = new ModelSignature([new TensorSpec("x", TensorDataType.FP32, [TensorShape.Dynamic, 4])], [new TensorSpec("y", TensorDataType.FP32, [TensorShape.Dynamic, 4])]),
    };

    private static FunctionSpec RoundTrip(FunctionSpec spec) => JsonSerializer.Deserialize<FunctionSpec>(JsonSerializer.Serialize(spec))!;
}
