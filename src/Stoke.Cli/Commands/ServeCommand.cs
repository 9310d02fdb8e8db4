using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Stoke.Cli.Parsing;
using Stoke.Gateway.Grpc.Hosting;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Runtime.Storage;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke serve</c>: runs a node (silo and gateway) in this process until Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create(CliEnvironment env)
    {
        var url = new Option<string>("--url") { Description = "Address the gateway listens on.", HelpName = "URL", DefaultValueFactory = _ => GlobalOptions.DefaultServer };
        var data = new Option<string>("--data") { Description = "Data folder (state, repository, caches).", HelpName = "DIR", DefaultValueFactory = _ => ".stoke" };
        var memory = OptionRules.Number("--memory-gb", "Memory budget for instances on this node, in GB (default 8).", 0, exclusive: true);
        var memoryTier = OptionRules.Number("--memory-tier-gb", "Size of the in-memory artifact cache, in GB (default 1).");
        var diskTier = OptionRules.Number("--disk-tier-gb", "Size of the on-disk artifact cache under DATA/cache, in GB (default 10; 0 turns it off).");
        var keys = OptionRules.KeyValues("--api-key", "Tenant API key and its tenant: its own functions only; repeatable. Without keys only loopback clients are served.", "KEY=TENANT");
        var operatorKeys = OptionRules.KeyValues("--operator-key", "Operator API key and its tenant: also prices at deploy, /metrics and the whole cluster's status; repeatable.", "KEY=TENANT");
        var allowAnonymous = new Option<bool>("--allow-anonymous") { Description = "Without keys, serve every client (remote or forwarded by a proxy) as the default tenant with operator rights." };
        var redis = new Option<string?>("--redis") { Description = "Redis connection string (host:port[,password=...]): join a cluster instead of the embedded single node.", HelpName = "CONNSTR" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...): join a cluster kept in PostgreSQL.", HelpName = "CONNSTR" };
        var advertise = new Option<string?>("--advertise") { Description = "Address the other nodes reach this one at (an IP address or a host name, resolved at start); default loopback. Needs --redis or --postgres.", HelpName = "HOST" };
        var acceptEmpty = new Option<bool>("--accept-empty-store") { Description = "Form a new, empty cluster in a store that lost the cluster this node's data folder remembers." };
        var repository = new Option<string?>("--repository") { Description = "Artifact repository folder, shared or not (default DATA/repository).", HelpName = "DIR" };
        var siloPort = OptionRules.Int("--silo-port", "Orleans silo port (default 11111).", 1);
        var gatewayPort = OptionRules.Int("--gateway-port", "Orleans gateway port (default 30000).", 1);
        var labels = OptionRules.KeyValues("--label", "Label of this node, matched against functions' placement labels; repeatable.");
        var grpcPort = OptionRules.Int("--grpc-port", "Also serve the Open Inference Protocol over gRPC (cleartext HTTP/2) on this port, on the host of --url; 0 picks a free one (default off).", 0, "PORT");
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level.", DefaultValueFactory = _ => LogLevel.Information };

        // The server's own key rule (8+ characters), checked here so the user sees it before the node starts.
        keys.Validators.Add(CheckKeys);
        operatorKeys.Validators.Add(CheckKeys);
        static void CheckKeys(System.CommandLine.Parsing.OptionResult r)
        {
            foreach (var value in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (OptionRules.TrySplit(value, out var key, out var tenant) && (key.Length < 8 || tenant.Length == 0))
                {
                    r.AddError($"{r.Option.Name} '{value}': the key needs 8+ characters and a tenant after '='.");
                }
                else if (OptionRules.TrySplit(value, out _, out var named) && !Stoke.Gateway.Auth.TenantNames.IsValid(named))
                {
                    r.AddError($"{r.Option.Name} '{value}': {Stoke.Gateway.Auth.TenantNames.Rule}.");
                }
            }
        }

        var command = new Command("serve", "Run a Stoke node (Orleans silo + HTTP gateway) until Ctrl+C.")
        {
            url, data, memory, memoryTier, diskTier, keys, operatorKeys, allowAnonymous, redis, postgres, advertise, acceptEmpty, repository, siloPort, gatewayPort, labels, grpcPort, logLevel,
        };
        command.Validators.Add(r =>
        {
            var store = r.GetValue(redis) is not null || r.GetValue(postgres) is not null;
            if (r.GetValue(redis) is not null && r.GetValue(postgres) is not null)
            {
                r.AddError("--redis and --postgres are mutually exclusive: a cluster keeps its membership and state in one store.");
            }

            if (!store && r.GetValue(advertise) is not null)
            {
                r.AddError("--advertise needs --redis or --postgres: the embedded single node forms no cluster and listens on loopback only.");
            }

            if (!store && r.GetValue(acceptEmpty))
            {
                r.AddError("--accept-empty-store needs --redis or --postgres.");
            }
        });
        command.SetAction((result, ct) => env.GuardAsync(null, ct, async token =>
        {
            var listen = result.GetValue(url)!;
            var apiKeys = KeysOf(result.GetValue(keys), ApiKeyRole.Tenant).Concat(KeysOf(result.GetValue(operatorKeys), ApiKeyRole.Operator)).ToList();
            var anonymous = result.GetValue(allowAnonymous);
            if (apiKeys.Count == 0 && !anonymous && !IsLoopback(listen))
            {
                throw new CliException(
                    $"--url {listen} accepts remote clients, but no --api-key is configured: the gateway serves only loopback clients without keys. " +
                    "Add --api-key KEY=TENANT or --operator-key KEY=TENANT, listen on 127.0.0.1, or serve every client as the default tenant with --allow-anonymous.");
            }

            var defaults = new StokeHostSettings();
            var settings = new StokeHostSettings
            {
                Url = listen,
                DataDirectory = Path.GetFullPath(result.GetValue(data)!),
                Redis = result.GetValue(redis),
                Postgres = result.GetValue(postgres),
                AcceptEmptyStore = result.GetValue(acceptEmpty),
                AdvertisedAddress = result.GetValue(advertise) is { } advertised ? AdvertiseAddress.Resolve(advertised) : defaults.AdvertisedAddress,
                Repository = result.GetValue(repository) is { } repo ? Path.GetFullPath(repo) : null,
                SiloPort = result.GetValue(siloPort) ?? defaults.SiloPort,
                GatewayPort = result.GetValue(gatewayPort) ?? defaults.GatewayPort,
                LogLevel = result.GetValue(logLevel),
                ConfigureNode = o =>
                {
                    if (result.GetValue(memory) is { } gb)
                    {
                        o.MemoryBytes = (long)(gb * (1L << 30));
                    }

                    foreach (var label in result.GetValue(labels) ?? [])
                    {
                        OptionRules.TrySplit(label, out var key, out var value);
                        o.Labels[key] = value;
                    }

                    if (result.GetValue(memoryTier) is { } tier)
                    {
                        o.MemoryTierBytes = (long)(tier * (1L << 30));
                    }

                    if (result.GetValue(diskTier) is { } disk)
                    {
                        o.DiskTierBytes = (long)(disk * (1L << 30));
                    }
                },
                ConfigureGateway = g =>
                {
                    g.ApiKeys = apiKeys;
                    g.AllowAnonymous = anonymous;
                },
                ConfigureServices = s =>
                {
                    s.AddStokeOpenAI();
                    if (result.GetValue(grpcPort) is { } port)
                    {
                        s.AddStokeGrpc(o => o.Url = GrpcUrl.From(listen, port));
                    }
                },
            };

            using var host = Start(settings);
            try
            {
                await host.StartAsync(token);
            }
            catch (Exception ex) when (ClusterStoreException.Find(ex) is { } store)
            {
                throw new CliException(store.Message);
            }

            var address = host.Services.GetRequiredService<GatewayServer>().Address;
            env.Console.MarkupLine($"[green]Stoke node listening on {Markup.Escape(address?.ToString() ?? listen)}[/] (data: {Markup.Escape(settings.DataDirectory)}). Ctrl+C to stop.");
            if (host.Services.GetService<GrpcGatewayExtension>()?.Address is { } grpc)
            {
                env.Console.MarkupLine($"[green]Open Inference Protocol gRPC on {Markup.Escape(grpc.ToString())}[/]");
            }

            try
            {
                await host.WaitForShutdownAsync(token);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }

            return 0;
        }));
        return command;
    }

    private static IHost Start(StokeHostSettings settings)
    {
        try
        {
            return StokeHost.Create(settings);
        }
        catch (ClusterStoreException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static IEnumerable<ApiKeyOptions> KeysOf(string[]? values, ApiKeyRole role) => (values ?? []).Select(k =>
    {
        OptionRules.TrySplit(k, out var key, out var tenant);
        return new ApiKeyOptions { Key = key, Tenant = tenant, Role = role };
    });

    /// <summary>True when the URL's host can only be reached from this machine.</summary>
    public static bool IsLoopback(string url) => BoundAddress.IsLoopback(url);
}
