using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Policies;
using Stoke.Engines.Onnx;
using Stoke.Policies;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Storage;

namespace Stoke.Runtime.Hosting;

/// <summary>Adds Stoke's node runtime (grains, node host, engines, policies, storage) to an Orleans silo.</summary>
public static class StokeSiloBuilderExtensions
{
    /// <param name="useFileStorage">Keep grain state in files under the data folder (the embedded default). Pass false
    /// when the cluster configures its own <c>stoke</c> storage provider (Redis, ADO.NET).</param>
    public static ISiloBuilder AddStokeNode(this ISiloBuilder silo, Action<StokeNodeOptions>? configure = null, bool useFileStorage = true)
    {
        var services = silo.Services;
        var options = services.AddOptions<StokeNodeOptions>().BindConfiguration(StokeNodeOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.MemoryBytes > 0, "Stoke:Node:MemoryBytes must be positive.")
            .Validate(o => o.MemoryTierBytes >= 0, "Stoke:Node:MemoryTierBytes must not be negative.")
            .Validate(o => o.DiskTierBytes >= 0, "Stoke:Node:DiskTierBytes must not be negative.")
            .Validate(o => o.PeerQueryTimeout > TimeSpan.Zero, "Stoke:Node:PeerQueryTimeout must be positive.")
            .Validate(o => o.PeerReadTimeout > TimeSpan.Zero, "Stoke:Node:PeerReadTimeout must be positive.")
            .Validate(
                o => o.PeerChunkBytes is >= StokeNodeOptions.MinPeerChunkBytes and <= StokeNodeOptions.MaxPeerChunkBytes,
                $"Stoke:Node:PeerChunkBytes must be between {StokeNodeOptions.MinPeerChunkBytes} and {StokeNodeOptions.MaxPeerChunkBytes}.")
            .Validate(o => o.ControlInterval > TimeSpan.Zero, "Stoke:Node:ControlInterval must be positive.")
            .Validate(o => o.InstanceQueueCapacity > 0, "Stoke:Node:InstanceQueueCapacity must be positive.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<IPolicyCatalog, PolicyCatalog>();
        services.AddSingleton<IInferenceEngine, OnnxEngine>();
        services.AddSingleton<IInferenceEngine>(sp => new Stoke.Engines.Llama.LlamaInferenceEngine(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddSingleton(sp => new NodeIdentity(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString()));
        services.TryAddSingleton<IArtifactPeers, OrleansArtifactPeers>();
        services.TryAddSingleton<NodeArtifacts>();
        services.TryAddSingleton(sp =>
        {
            var host = ActivatorUtilities.CreateInstance<NodeHost>(sp);
            var grains = sp.GetRequiredService<IGrainFactory>();
            host.OnEvicted = s => grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(s.FunctionKey.Split('/')[0], s.FunctionKey.Split('/')[1], s.Version)).InstanceGone(s.InstanceId);
            return host;
        });
        services.TryAddSingleton<FunctionDeployer>();
        services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        if (useFileStorage)
        {
            services.AddGrainStorage(StokeStorage.Name, (sp, _) =>
                new FileGrainStorage(Path.Combine(sp.GetRequiredService<IOptions<StokeNodeOptions>>().Value.DataDirectory, "state")));
        }

        return silo;
    }
}
