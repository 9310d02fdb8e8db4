using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Stoke.Gateway.Clustering;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Storage;

namespace Stoke.Gateway.Hosting;

/// <summary>How <c>stoke serve</c> starts a node.</summary>
public sealed record StokeHostSettings
{
    /// <summary>Gateway URL (Kestrel).</summary>
    public string Url { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Node data folder (grain state, repository, caches).</summary>
    public string DataDirectory { get; init; } = Path.Combine(Environment.CurrentDirectory, ".stoke");

    /// <summary>Redis connection string for cluster membership and state; null (and no <see cref="Postgres"/>) runs the embedded single node.</summary>
    public string? Redis { get; init; }

    /// <summary>PostgreSQL (Npgsql) connection string for cluster membership and state, instead of <see cref="Redis"/>.</summary>
    public string? Postgres { get; init; }

    /// <summary>Form a new cluster in a store that lost the one this node's data folder remembers, instead of refusing to start.</summary>
    public bool AcceptEmptyStore { get; init; }

    /// <summary>True when the node joins a cluster through a store (Redis or PostgreSQL).</summary>
    public bool IsCluster => Redis is not null || Postgres is not null;

    /// <summary>Shared artifact repository for a cluster; defaults to the data folder's.</summary>
    public string? Repository { get; init; }

    /// <summary>Address other silos reach this one at, in a cluster (loopback by default: a one-machine cluster). Any
    /// other address makes the silo listen on all interfaces.</summary>
    public System.Net.IPAddress AdvertisedAddress { get; init; } = System.Net.IPAddress.Loopback;

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    public string ClusterId { get; init; } = "stoke";

    public Action<StokeNodeOptions>? ConfigureNode { get; init; }

    public Action<GatewayOptions>? ConfigureGateway { get; init; }

    /// <summary>Store probing and the empty-store rule (tests shorten the probe interval).</summary>
    public Action<ClusterStoreOptions>? ConfigureStore { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Extra services (e.g. the OpenAI API extension).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Throws when the settings contradict each other.</summary>
    public void Validate()
    {
        if (Redis is not null && Postgres is not null)
        {
            throw new ArgumentException("Redis and Postgres are mutually exclusive: a cluster keeps its membership and state in one store.");
        }

        if (!IsCluster && !System.Net.IPAddress.IsLoopback(AdvertisedAddress))
        {
            throw new ArgumentException($"AdvertisedAddress {AdvertisedAddress} needs a cluster store (Redis or Postgres): the embedded single node listens on loopback only.");
        }

        if (!IsCluster && AcceptEmptyStore)
        {
            throw new ArgumentException("AcceptEmptyStore needs a cluster store (Redis or Postgres).");
        }
    }
}

/// <summary>Builds a Stoke node: an Orleans silo with the node runtime, and the HTTP gateway beside it.</summary>
public static class StokeHost
{
    /// <exception cref="ArgumentException">The settings contradict each other.</exception>
    /// <exception cref="ClusterStoreException">The store's connection string is not valid (an unreachable store fails the start instead).</exception>
    public static IHost Create(StokeHostSettings settings, string[]? args = null)
    {
        settings.Validate();
        var builder = Host.CreateApplicationBuilder(args ?? []);
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Logging.AddFilter("Orleans", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // A failed start surfaces as the exception StartAsync throws (stoke serve prints its message); the host's own
        // log of it would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.UseOrleans(silo =>
        {
            if (settings.IsCluster)
            {
                if (settings.Redis is { } redis)
                {
                    RedisStore.Use(silo, redis);
                }
                else
                {
                    PostgresStore.Use(silo, settings.Postgres!);
                }

                silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !System.Net.IPAddress.IsLoopback(settings.AdvertisedAddress));
                silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = "stoke"; });
                // Faster than Orleans' defaults (5 s probes, 3 missed): a dead node is voted out in seconds. The data plane
                // stops routing to it sooner still, at the first failed call (ClusterView).
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(2);
                    o.NumMissedProbesLimit = 2;
                });
            }
            else
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: "stoke", clusterId: settings.ClusterId);
            }

            silo.AddStokeNode(
                o =>
                {
                    o.DataDirectory = settings.DataDirectory;
                    o.RepositoryDirectory = settings.Repository;
                    settings.ConfigureNode?.Invoke(o);
                },
                useFileStorage: !settings.IsCluster);
            silo.Services.Configure<ClusterStoreOptions>(o =>
            {
                o.AcceptEmptyStore |= settings.AcceptEmptyStore;
                settings.ConfigureStore?.Invoke(o);
            });
        });
        builder.Services.AddStokeGateway(o =>
        {
            o.Url = settings.Url;
            settings.ConfigureGateway?.Invoke(o);
        });
        Tracing.OtlpExport.AddWhenConfigured(builder.Services, builder.Configuration);
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder.Build();
    }
}
