using System.Collections.Concurrent;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Pipelines.Execution;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Tensors;
using Stoke.Pipelines.Transforms;
using Stoke.Runtime.Invocation;

namespace Stoke.Pipelines.Tests;

/// <summary>Switch, ensemble, splitter and failures on small fake functions (the runtime's facade faked; no server).</summary>
public sealed class PipelineGraphTests
{
    private readonly FakeFunctions _functions = new();

    [Fact]
    public async Task SwitchRunsOnlyTheCaseItsConditionChooses()
    {
        var outputs = await RunAsync("""
            {"inputs":[{"name":"mode","datatype":"BYTES","shape":[1]},{"name":"x","datatype":"FP32","shape":[-1,2]}],
             "steps":[{"name":"a","function":"double","inputs":{"x":"input.x"}},{"name":"b","function":"negate","inputs":{"x":"input.x"}},
                      {"name":"route","kind":"switch","on":"input.mode","cases":[{"equals":"neg","step":"b"}],"default":"a"}],
             "outputs":{"y":"route.y"}}
            """, TensorOps.Strings("mode", ["neg"]), X(1, 2));

        Assert.Equal([-1f, -2f], TensorOps.AsFloats(outputs[0]).ToArray());
        Assert.Equal(["negate"], _functions.Calls);
    }

    [Fact]
    public async Task EnsembleAveragesItsMembers()
    {
        var outputs = await RunAsync("""
            {"inputs":[{"name":"x","datatype":"FP32","shape":[-1,2]}],
             "steps":[{"name":"a","function":"double","inputs":{"x":"input.x"}},{"name":"b","function":"triple","inputs":{"x":"input.x"}},
                      {"name":"both","kind":"ensemble","members":["a","b"],"combine":"mean"}],
             "outputs":{"y":"both.y"}}
            """, X(2, 4));

        Assert.Equal([5f, 10f], TensorOps.AsFloats(outputs[0]).ToArray());
    }

    [Fact]
    public async Task SplitterCallsItsFunctionOncePerRowAndJoinsTheRows()
    {
        var outputs = await RunAsync("""
            {"inputs":[{"name":"x","datatype":"FP32","shape":[-1,2]}],
             "steps":[{"name":"each","kind":"splitter","function":"double","inputs":{"x":"input.x"}}],
             "outputs":{"y":"each.y"}}
            """, X(1, 2, 3, 4, 5, 6));

        Assert.Equal([3L, 2L], outputs[0].Shape);
        Assert.Equal([2f, 4f, 6f, 8f, 10f, 12f], TensorOps.AsFloats(outputs[0]).ToArray());
        Assert.Equal(3, _functions.Calls.Count);
    }

    [Fact]
    public async Task FailingStepFailsTheRequestWithItsNameAndError()
    {
        var error = await Assert.ThrowsAsync<StokeException>(() => RunAsync("""
            {"inputs":[{"name":"x","datatype":"FP32","shape":[-1,2]}],
             "steps":[{"name":"first","function":"double","inputs":{"x":"input.x"}},{"name":"second","function":"broken","inputs":{"x":"first.y"}}],
             "outputs":{"y":"second.y","early":"first.y"}}
            """, X(1, 2)));

        Assert.Equal(StokeErrorKind.Internal, error.Kind);
        Assert.Equal("Step 'second' (function broken) failed: the engine failed", error.Message);
    }

    [Theory]
    [InlineData("""{"name":"a","transform":"image.sharpen","inputs":{}}""", "step 'a', field 'transform': unknown transform 'image.sharpen'")]
    [InlineData("""{"name":"a","function":"double","inputs":{"x":"b.y"}},{"name":"b","function":"double","inputs":{"x":"a.y"}}""", "field 'inputs': the steps form a cycle")]
    [InlineData("""{"name":"a","function":"double","inputs":{"x":"input.x"}},{"name":"b","function":"double","inputs":{"x":"nowhere.y"}}""", "step 'b', field 'inputs.x': unknown step 'nowhere'")]
    [InlineData("""{"name":"a","function":"double","inputs":{}}""", "step 'a', field 'inputs.x': missing")]
    [InlineData("""{"name":"a","kind":"switch","on":"input.x","cases":[{"above":0,"step":"b"}],"default":"t"},{"name":"b","function":"double","inputs":{"x":"input.x"}},{"name":"t","function":"wide","inputs":{"x":"input.x"}}""", "step 'a', field 'cases': step 't' gives")]
    [InlineData("""{"name":"a","kind":"switch","on":"input.x","cases":[{"above":0,"step":"b"}]},{"name":"b","function":"double","inputs":{"x":"input.x"}},{"name":"c","function":"double","inputs":{"x":"b.y"}}""", "step 'c', field 'inputs.x': reads 'b.y' of a step that belongs to 'a'")]
    public async Task BadSpecsAreRefusedNamingTheStepAndField(string steps, string expected)
    {
        var spec = PipelineSpecJson.Parse("""{"inputs":[{"name":"x","datatype":"FP32","shape":[-1,2]}],"steps":[""" + steps + """],"outputs":{"y":"a.y"}}""");
        var error = await Assert.ThrowsAsync<StokeException>(() => new PipelineCompiler(TransformCatalog.BuiltIn, _functions).CompileAsync("t", spec, default));

        Assert.Equal(StokeErrorKind.BadRequest, error.Kind);
        Assert.Contains(expected, error.Message);
    }

    private async Task<Tensor[]> RunAsync(string json, params Tensor[] inputs)
    {
        var compiled = await new PipelineCompiler(TransformCatalog.BuiltIn, _functions).CompileAsync("t", PipelineSpecJson.Parse(json), default);
        var runner = new PipelineRunner(_functions, _functions, new NoPrewarm(), TimeProvider.System);
        var outcome = await runner.RunAsync(FakeFunctions.Spec("p"), compiled, new InferenceRequest(null, inputs, null), new InvocationOptions(DateTimeOffset.MaxValue), default);
        return outcome.Outputs;
    }

    private static Tensor X(params float[] values) => TensorOps.Floats("x", [values.Length / 2, 2], values);

    private sealed class NoPrewarm : IChainPrewarm
    {
        public bool IsCold(FunctionSpec function) => false;

        public Task PrewarmAsync(FunctionSpec function, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    // Functions of FP32 [-1,2] -> y: double, triple, negate; wide gives [-1,3]; broken fails.
    private sealed class FakeFunctions : IStepFunctions, IFunctionInvoker
    {
        private readonly ConcurrentQueue<string> _calls = new();

        public List<string> Calls => [.. _calls];

        public static FunctionSpec Spec(string name) => new()
        {
            Tenant = "t", Name = name, Version = 1, Engine = "onnx", Artifact = new ArtifactRef("", 0, name),
            Signature = new ModelSignature([new TensorSpec("x", TensorDataType.FP32, [-1, 2])], [new TensorSpec("y", TensorDataType.FP32, [-1, name == "wide" ? 3 : 2])]),
        };

        public Task<FunctionSpec?> FindAsync(string tenant, string name, int? version, CancellationToken cancellationToken) =>
            Task.FromResult<FunctionSpec?>(name is "double" or "triple" or "negate" or "wide" or "broken" ? Spec(name) : null);

        public Task<InferenceOutcome> InvokeAsync(FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
        {
            _calls.Enqueue(spec.Name);
            if (spec.Name == "broken")
            {
                throw new StokeException(StokeErrorKind.Internal, "the engine failed");
            }

            var factor = spec.Name switch { "double" => 2f, "triple" => 3f, _ => -1f };
            var x = request.Inputs[0];
            var y = TensorOps.AsFloats(x).ToArray().Select(v => v * factor).ToArray();
            var usage = new UsageRecord { Tenant = "t", Function = spec.Name, Version = 1, Node = "n", BatchSize = 1 };
            return Task.FromResult(new InferenceOutcome([TensorOps.Floats("y", x.Shape, y)], usage, "i"));
        }

        public Task<EmbeddingOutcome> EmbedAsync(FunctionSpec spec, string[] texts, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IGeneration> GenerateAsync(FunctionSpec spec, TextGenerationRequest request, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Stoke.Abstractions.Instances.StreamOpened> OpenStreamAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<InferenceOutcome> SendChunkAsync(FunctionSpec spec, string streamId, float[] chunk, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Stoke.Abstractions.Instances.StreamClosed> CloseStreamAsync(FunctionSpec spec, string streamId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}

/// <summary>A sequence of function steps built from code (how a partitioned model is deployed).</summary>
public sealed class PipelineSpecsTests
{
    [Fact]
    public void SequenceWiresEachInputToTheLatestOutputOfItsName()
    {
        var first = Function("part1", [("x", [-1, 4])], [("cut", [-1, 8])]);
        var second = Function("part2", [("cut", [-1, 8]), ("x", [-1, 4])], [("y", [-1, 2])]);

        var spec = PipelineSpecs.Sequence([first, second]);

        Assert.Equal(["x"], spec.Inputs.Select(i => i.Name));
        Assert.Equal("step1.cut", spec.Steps[1].Inputs["cut"]);
        Assert.Equal("input.x", spec.Steps[1].Inputs["x"]);
        Assert.Equal(2, spec.Steps[1].Version);
        Assert.Equal("step2.y", spec.Outputs["y"]);
        var stored = PipelineSpecJson.Parse(PipelineSpecJson.Write(spec));
        Assert.Equal("step1.cut", stored.Steps[1].Inputs["cut"]);
        Assert.Equal(2, stored.Steps[1].Version);
    }

    private static FunctionSpec Function(string name, (string Name, long[] Shape)[] inputs, (string Name, long[] Shape)[] outputs) => new()
    {
        Tenant = "t", Name = name, Version = 2, Engine = "onnx", Artifact = new ArtifactRef("", 0, name),
        Signature = new ModelSignature(
            [.. inputs.Select(i => new TensorSpec(i.Name, TensorDataType.FP32, i.Shape))],
            [.. outputs.Select(o => new TensorSpec(o.Name, TensorDataType.FP32, o.Shape))]),
    };
}
