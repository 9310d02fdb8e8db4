using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
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
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Traffic;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Storage;

namespace Stoke.Runtime.Hosting;

/// <summary>Adds Stoke's node runtime (grains, node host, engines, policies, storage) to an Orleans silo.</summary>
public static class StokeSiloBuilderExtensions
{
    /// <summary>The longest one grain call may take: longer than any request deadline (a held request waits that long).</summary>
    public static readonly TimeSpan MaxCallDuration = TimeSpan.FromMinutes(10);

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
        // Routing and placement policies registered in the container join the built-in ones, by name.
        services.TryAddSingleton<IPolicyCatalog>(sp => new PolicyCatalog(
            new Stoke.Policies.KeepAlive.HistogramOptions(), sp.GetServices<IRoutingPolicy>(), sp.GetServices<IPlacementPolicy>()));
        services.AddSingleton<IValidateOptions<StokeNodeOptions>, NodePolicyValidation>();
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
            host.OnEvicted = s => grains.GetGrain<IFunctionGrain>(s.FunctionKey + "/" + s.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .InstanceEvicted(s.InstanceId, "evicted by its node");
            host.FusedSteps = sp.GetService<IFusedSteps>();
            return host;
        });
        services.TryAddSingleton<ClusterView>();
        services.AddHostedService<Memory.IdleCompaction>();
        // A request's trace crosses grain calls (to its controller, to another node); Orleans carries the context when
        // someone listens to its grain-call spans (docs/observability.md).
        silo.AddActivityPropagation();
        silo.AddStartupTask((sp, _) => sp.GetRequiredService<ClusterView>().StartAsync());
        services.TryAddSingleton(sp =>
        {
            var router = ActivatorUtilities.CreateInstance<NodeRouter>(sp);
            var host = sp.GetRequiredService<NodeHost>();
            var grains = sp.GetRequiredService<IGrainFactory>();
            // While a controller holds requests, tell it when one of this node's instances frees a slot.
            host.OnRequestDone = (function, version, instance, inFlight) =>
            {
                if (router.IsHolding(function, version))
                {
                    _ = grains.GetGrain<IFunctionGrain>(function + "/" + version.ToString(System.Globalization.CultureInfo.InvariantCulture)).SlotFreed(instance, inFlight);
                }
            };
            return router;
        });
        services.TryAddSingleton<NodeTraffic>();
        services.TryAddSingleton<IFunctionInvoker, FunctionInvoker>();
        services.TryAddSingleton<FunctionDeployer>();
        services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        // A held request waits in its controller up to its deadline; Orleans must not time the call out before.
        services.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = MaxCallDuration);
        if (useFileStorage)
        {
            services.AddGrainStorage(StokeStorage.Name, (sp, _) =>
                new FileGrainStorage(
                    Path.Combine(sp.GetRequiredService<IOptions<StokeNodeOptions>>().Value.DataDirectory, "state"),
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<FileGrainStorage>(),
                    FunctionGrain.RestartableStates));
        }

        AddStoreHealth(services, clusterMarker: !useFileStorage);
        return silo;
    }

    // A cluster's store (registered before this by its backend, with its IStoreProbe) is probed and carries the
    // cluster marker; the embedded default's folder is only probed.
    private static void AddStoreHealth(IServiceCollection services, bool clusterMarker)
    {
        services.AddOptions<ClusterStoreOptions>().BindConfiguration(ClusterStoreOptions.Section)
            .Validate(o => o.ProbeInterval > TimeSpan.Zero, "Stoke:Store:ProbeInterval must be positive.")
            .Validate(o => o.ProbeTimeout > TimeSpan.Zero, "Stoke:Store:ProbeTimeout must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<IStoreProbe>(sp =>
            new FolderStoreProbe(Path.Combine(sp.GetRequiredService<IOptions<StokeNodeOptions>>().Value.DataDirectory, "state")));
        services.TryAddSingleton<StoreHealth>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StoreHealth>());
        if (clusterMarker)
        {
            services.TryAddSingleton<IClusterMarkerStore>(sp => new GrainStorageClusterMarkers(
                sp.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StokeStorage.Name),
                sp.GetRequiredService<IOptions<Orleans.Configuration.ClusterOptions>>().Value.ClusterId));
            services.TryAddSingleton<ClusterMarkerGuard>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ClusterMarkerGuard>());
        }
    }
}

/// <summary>Rejects a node whose placement or eviction policy names no known policy, at start (not at the first request).</summary>
internal sealed class NodePolicyValidation(IPolicyCatalog policies) : IValidateOptions<StokeNodeOptions>
{
    public ValidateOptionsResult Validate(string? name, StokeNodeOptions options)
    {
        try
        {
            policies.ValidateNode(options.Placement, options.Eviction);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail("Stoke:Node: " + ex.Message);
        }
    }
}
