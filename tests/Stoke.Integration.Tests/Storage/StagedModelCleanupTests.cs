using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Engines.Llama;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Samples;

namespace Stoke.Integration.Tests.Storage;

/// <summary>The tmpfs copy of a GGUF that a real node's llama engine stages goes with its function and with the node.</summary>
public sealed class StagedModelCleanupTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static byte[] Stories => File.ReadAllBytes(SharedModels.TryFind(out var dir)
        ? Path.Combine(dir, "llm", "stories260K.gguf")
        : throw new InvalidOperationException("The shared stories260K GGUF is missing from ../shared/models/llm."));

    [Fact]
    public async Task TheStagedCopyIsDeletedWithItsFunctionAndTheNodesFolderWithTheNode()
    {
        var node = await EmbeddedStoke.StartAsync(node: o => o.IntraOpThreads = 1);
        string folder;
        await using (node)
        {
            using var client = node.Client();
            await client.DeployAsync("stories-staged", Stories, new Dictionary<string, string> { ["engine"] = "llama", ["file"] = "stories260K.gguf" });
            var engine = node.Services.GetServices<IInferenceEngine>().OfType<LlamaInferenceEngine>().Single();
            await node.Services.GetRequiredService<IGrainFactory>().GetGrain<IFunctionGrain>(FunctionVersionKey.Of("default", "stories-staged", 1)).Prewarm("test");
            var host = node.Services.GetRequiredService<NodeHost>();
            await Eventually.ReturnsAsync(
                () => Task.FromResult(host.InstancesOf(FunctionKey.Of("default", "stories-staged"), 1)),
                instances => instances.Any(i => i.Phase == InstancePhase.Ready), Within, "the instance was ready");
            folder = engine.Staged.Folder!;
            var staged = Directory.GetFiles(folder, "*.gguf");
            Assert.Single(staged);

            await client.DeleteAsync("stories-staged");
            await Eventually.ReturnsAsync(() => Task.FromResult(File.Exists(staged[0])), exists => !exists, Within, "the staged copy was deleted with its function");
        }

        Assert.False(Directory.Exists(folder));
    }
}
