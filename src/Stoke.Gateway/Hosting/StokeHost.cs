using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Hosting;

namespace Stoke.Gateway.Hosting;

/// <summary>How <c>stoke serve</c> starts a node.</summary>
public sealed record StokeHostSettings
{
    /// <summary>Gateway URL (Kestrel).</summary>
    public string Url { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Node data folder (grain state, repository, caches).</summary>
    public string DataDirectory { get; init; } = Path.Combine(Environment.CurrentDirectory, ".stoke");

    /// <summary>Redis connection string for cluster membership and state; null runs the embedded single node.</summary>
    public string? Redis { get; init; }

    /// <summary>Shared artifact repository for a cluster; defaults to the data folder's.</summary>
    public string? Repository { get; init; }

    /// <summary>Address other silos reach this one at, in a cluster (loopback by default: a one-machine cluster).</summary>
    public System.Net.IPAddress AdvertisedAddress { get; init; } = System.Net.IPAddress.Loopback;

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    public string ClusterId { get; init; } = "stoke";

    public Action<StokeNodeOptions>? ConfigureNode { get; init; }

    public Action<GatewayOptions>? ConfigureGateway { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Extra services (e.g. the OpenAI API extension).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>Builds a Stoke node: an Orleans silo with the node runtime, and the HTTP gateway beside it.</summary>
public static class StokeHost
{
    public static IHost Create(StokeHostSettings settings, string[]? args = null)
    {
        var builder = Host.CreateApplicationBuilder(args ?? []);
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Logging.AddFilter("Orleans", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            if (settings.Redis is { } redis)
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
                silo.AddRedisGrainStorage(StokeStorage.Name, o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
                silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !System.Net.IPAddress.IsLoopback(settings.AdvertisedAddress));
                silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = "stoke"; });
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
                useFileStorage: settings.Redis is null);
        });
        builder.Services.AddStokeGateway(o =>
        {
            o.Url = settings.Url;
            settings.ConfigureGateway?.Invoke(o);
        });
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder.Build();
    }
}
