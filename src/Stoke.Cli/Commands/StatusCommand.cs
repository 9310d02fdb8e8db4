using System.CommandLine;
using Spectre.Console;
using Stoke.Cli.Rendering;
using Stoke.Gateway.Management;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke status</c>: functions and nodes right now, or refreshed live with <c>--watch</c>.</summary>
public static class StatusCommand
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliEnvironment env)
    {
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh every 500 ms until Ctrl+C." };
        var command = new Command("status", "Show instances, queues, latencies and node memory.") { watch };
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var status = Api.Read<ClusterStatus>(await client.StatusAsync(token));
            if (!result.GetValue(watch))
            {
                env.Console.Write(StatusTables.Cluster(status));
                env.Console.MarkupLine(Markup.Escape(await ReceiptKeyLineAsync(client, token)));
                return 0;
            }

            if (!env.Interactive)
            {
                // Without a terminal that can redraw, print one block per refresh instead of a live table.
                while (!token.IsCancellationRequested)
                {
                    env.Console.Write(StatusTables.Cluster(status));
                    await Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, token);
                    status = Api.Read<ClusterStatus>(await client.StatusAsync(token));
                }

                return 0;
            }

            await env.Console.Live(StatusTables.Cluster(status)).StartAsync(async live =>
            {
                while (!token.IsCancellationRequested)
                {
                    await Task.Delay(Refresh, TimeProvider.System, token);
                    status = Api.Read<ClusterStatus>(await client.StatusAsync(token));
                    live.UpdateTarget(StatusTables.Cluster(status));
                }
            });
            return 0;
        }));
        return command;
    }

    // The key `stoke verify --key` takes, from the node that answered (each node signs with its own).
    private static async Task<string> ReceiptKeyLineAsync(Stoke.Client.StokeClient client, CancellationToken ct)
    {
        try
        {
            var key = await client.ReceiptKeyAsync(ct);
            return $"receipts: Ed25519 public key {key["publicKey"]!.GetValue<string>()} (node {key["node"]!.GetValue<string>()})";
        }
        catch (Stoke.Client.StokeClientException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return "receipts: off";
        }
    }
}
