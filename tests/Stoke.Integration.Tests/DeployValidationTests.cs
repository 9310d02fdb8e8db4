using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Engines;
using Stoke.Engines.Onnx;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>
/// A deploy loads its model to prove it valid and read its signature: on a real node, once per distinct model, not
/// once per deploy of the same bytes (thousands of functions on one model each paid a session load and its native
/// memory).
/// </summary>
public sealed class DeployValidationTests : IAsyncLifetime
{
    private static readonly byte[] Model = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "4"]));
    private static readonly byte[] Other = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "8"]));
    private readonly CountingEngine _engine = new();
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(services: s => s.AddSingleton<IInferenceEngine>(_engine));

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task DeploysOfOneModelLoadItOnceAndAnotherModelLoadsAgain()
    {
        using var client = _node.Client();
        var settings = new Dictionary<string, string> { ["engine"] = CountingEngine.EngineName };
        foreach (var name in new[] { "fn-a", "fn-b", "fn-a" })
        {
            await client.DeployAsync(name, Model, settings);
        }

        var afterOneModel = _engine.DeployLoads;
        var other = await client.DeployAsync("fn-c", Other, settings);

        Assert.Equal((1, 2), (afterOneModel, _engine.DeployLoads));
        Assert.Equal(8, other["signature"]!["inputs"]![0]!["shape"]![1]!.GetValue<long>());
    }

    /// <summary>The real ONNX engine under another name, counting the loads a deploy makes (those of no instance).</summary>
    private sealed class CountingEngine : IInferenceEngine
    {
        public const string EngineName = "onnx-counting";
        private readonly OnnxEngine _onnx = new();
        private int _deployLoads;

        public string Name => EngineName;

        public int DeployLoads => Volatile.Read(ref _deployLoads);

        public IModelSession Load(byte[] artifact, EngineLoadOptions options)
        {
            if (options.InstanceId is null)
            {
                Interlocked.Increment(ref _deployLoads);
            }

            return _onnx.Load(artifact, options);
        }
    }
}
