using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// Two real silos in one process, each with its own data folder and so its own repository (no shared folder), its own
/// gateway, and a label <c>node=a</c> or <c>node=b</c> so that a test can pin a function to one of them.
/// </summary>
public sealed class PeerCluster : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "stoke-peers-" + Guid.NewGuid().ToString("N")[..8]);
    private InProcessTestCluster _cluster = null!;

    private PeerCluster()
    {
    }

    /// <summary>The classifier's SHA-256, the key of its artifact in every tier.</summary>
    public static string ClassifierSha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));

    /// <summary>How long a silo waits for its peer to say whether it holds an artifact.</summary>
    public static TimeSpan QueryTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <param name="configure">Per silo (0 or 1), after the Stoke node is added: extra services or replacements.</param>
    /// <param name="gateway">Gateway settings of both silos.</param>
    public static async Task<PeerCluster> StartAsync(Action<int, ISiloBuilder>? configure = null, Action<GatewayOptions>? gateway = null)
    {
        var peers = new PeerCluster();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = Index(options.SiloName);
            silo.AddStokeNode(o =>
            {
                o.DataDirectory = Path.Combine(peers._root, options.SiloName);
                o.ControlInterval = TimeSpan.FromMilliseconds(250);
                o.Labels["node"] = index == 0 ? "a" : "b";
                // Several chunks even for the 0.6 MB classifier; a generous query timeout, since only one test is about it.
                o.PeerChunkBytes = StokeNodeOptions.MinPeerChunkBytes;
                o.PeerQueryTimeout = QueryTimeout;
                // These tests are about fetching from a peer: the deploy must not copy the model everywhere first.
                o.ReplicateArtifacts = false;
            });
            configure?.Invoke(index, silo);
        });
        builder.ConfigureSiloHost((_, host) => host.Services.AddStokeGateway(g =>
        {
            g.Url = "http://127.0.0.1:0";
            gateway?.Invoke(g);
        }));
        peers._cluster = builder.Build();
        await peers._cluster.DeployAsync();
        return peers;
    }

    /// <summary>Deploy settings that pin a function to silo 0 (<c>a</c>) or 1 (<c>b</c>).</summary>
    public static Dictionary<string, string> On(int silo) => new() { ["label"] = silo == 0 ? "node=a" : "node=b" };

    public NodeHost Node(int silo) => Handle(silo).ServiceProvider.GetRequiredService<NodeHost>();

    public StokeClient Client(int silo) => new(Handle(silo).ServiceProvider.GetRequiredService<GatewayServer>().Address!);

    /// <summary>Kills a silo abruptly (no graceful shutdown), as a node that dies.</summary>
    public Task KillAsync(int silo) => _cluster.KillSiloAsync(Handle(silo));

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private InProcessSiloHandle Handle(int silo) => _cluster.Silos.Single(s => Index(s.Name) == silo);

    private static int Index(string siloName) => int.Parse(siloName[(siloName.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
