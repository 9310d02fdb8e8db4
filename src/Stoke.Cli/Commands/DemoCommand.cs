using System.CommandLine;
using System.Net.Sockets;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Stoke.Cli.Demo;
using Stoke.Cli.Parsing;
using Stoke.Cli.Rendering;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Management;
using Stoke.Gateway.OpenAI.Hosting;

namespace Stoke.Cli.Commands;

/// <summary>
/// <c>stoke demo</c>: starts a node in this process, deploys the three sample models through the HTTP API, drives a
/// bursty workload at them and shows scaling, batching and cold starts live; needs nothing but the .NET SDK. Exits 1
/// when any of its requests failed (<see cref="DemoOutcome"/>).
/// </summary>
public static class DemoCommand
{
    public static Command Create(CliEnvironment env)
    {
        var duration = OptionRules.Int("--duration", "Seconds of workload.", 1, "SECONDS");
        duration.DefaultValueFactory = _ => 60;
        var url = new Option<string>("--url") { Description = "Address of the demo node (port 0: any free port).", HelpName = "URL", DefaultValueFactory = _ => "http://127.0.0.1:0" };
        var command = new Command("demo", "Run a local node and a bursty workload on three sample models; watch it scale.") { duration, url };
        command.SetAction((result, ct) => env.GuardAsync(null, ct, async token =>
        {
            var length = TimeSpan.FromSeconds(result.GetValue(duration) ?? 60);
            var functions = DemoSetup.Functions();
            var data = Path.Combine(Path.GetTempPath(), "stoke-demo-" + Guid.NewGuid().ToString("N")[..8]);
            using var host = StokeHost.Create(new StokeHostSettings
            {
                Url = result.GetValue(url)!,
                DataDirectory = data,
                SiloPort = FreePort(),
                GatewayPort = FreePort(),
                ClusterId = "demo-" + Guid.NewGuid().ToString("N")[..8],
                LogLevel = LogLevel.Error,
                ConfigureNode = o => o.ControlInterval = TimeSpan.FromMilliseconds(500),
                ConfigureServices = s => s.AddStokeOpenAI(),
            });
            try
            {
                env.Console.MarkupLine("Starting a Stoke node in this process...");
                await host.StartAsync(token);
                var address = host.Services.GetRequiredService<GatewayServer>().Address!;
                env.Console.MarkupLine($"Node listening on [bold]{Markup.Escape(address.ToString())}[/] (try `stoke status --server {Markup.Escape(address.ToString())}` in another terminal).");
                using var client = new StokeClient(address);
                foreach (var function in functions)
                {
                    await DemoSetup.DeployAsync(client, function, token);
                    env.Console.MarkupLine($"Deployed [bold]{Markup.Escape(function.Name)}[/]: {Markup.Escape(function.Model.Description)}");
                }

                env.Console.MarkupLine($"Driving a bursty workload for {length.TotalSeconds:0} s...");
                await RunWithDisplayAsync(env, client, functions, length, token);

                var status = await TryAsync(() => client.StatusAsync(CancellationToken.None));
                var usage = await TryAsync(() => client.UsageAsync(cancellationToken: CancellationToken.None));
                env.Console.Write(DemoTables.Summary(
                    functions, status is null ? null : Api.Read<ClusterStatus>(status), usage is null ? null : Api.Read<UsageReport>(usage)));
                var outcome = DemoOutcome.Of(functions.Select(f => f.Stats));
                env.Console.WriteLine(outcome.Counts);
                // Ctrl+C before any answer is a normal exit; a request that failed is a failure either way.
                return outcome.Passed || (token.IsCancellationRequested && outcome.Failed == 0) ? 0 : env.Fail(outcome.Failure!);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
                TryDelete(data);
            }
        }));
        return command;
    }

    private static async Task RunWithDisplayAsync(CliEnvironment env, StokeClient client, IReadOnlyList<DemoFunction> functions, TimeSpan length, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var workload = new DemoWorkload(client, functions, length, time).RunAsync(ct);
        async Task<ClusterStatus?> Status() => await TryAsync(() => client.StatusAsync(ct)) is { } node ? Api.Read<ClusterStatus>(node) : null;

        if (env.Interactive)
        {
            await env.Console.Live(DemoTables.Live(null, functions, TimeSpan.Zero, length)).StartAsync(async live =>
            {
                while (!workload.IsCompleted)
                {
                    await Task.WhenAny(workload, Task.Delay(TimeSpan.FromMilliseconds(500), time, CancellationToken.None));
                    live.UpdateTarget(DemoTables.Live(await Status(), functions, time.GetElapsedTime(started), length));
                }
            });
        }
        else
        {
            // No terminal to redraw (CI, redirected output): a plain status line every 5 s.
            while (!workload.IsCompleted)
            {
                await Task.WhenAny(workload, Task.Delay(TimeSpan.FromSeconds(5), time, CancellationToken.None));
                env.Console.WriteLine(DemoTables.Line(await Status(), functions, time.GetElapsedTime(started)));
            }
        }

        await workload;
    }

    private static async Task<T?> TryAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is HttpRequestException or StokeClientException or OperationCanceledException)
        {
            // The display is best effort; the workload's own counters carry the result.
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
