using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Benchmarks.Support;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// The idle-footprint benchmark's server: a node as <c>stoke serve</c> builds it (<c>StokeHost.Create</c>, same GC
/// mode), alone in its process so that its resident memory can be read. Prints <c>READY</c> when it listens, then
/// answers diagnostic commands on stdin: <c>gc</c> (a full compacting collection), <c>gc-aggressive</c> (one that also
/// decommits the free memory it holds) and <c>trim</c> (glibc's <c>malloc_trim</c>), which tell managed memory still referenced from native memory kept by the allocator. With
/// <c>--count-timers</c> its clock is a <see cref="CountingTimeProvider"/> and <c>timers</c> prints what it counted
/// (the idle-functions benchmark's evidence of timers firing).
/// </summary>
internal static partial class FootprintHost
{
    public static async Task RunAsync(Args args)
    {
        var url = args.Str("url", "http://127.0.0.1:8080");
        var tier = args.Long("memory-tier-bytes", 1L << 30);
        var clock = args.Get("count-timers") is "true" ? new CountingTimeProvider() : null;
        // --tenants K: tenant keys tenant-key-0 .. tenant-key-(K-1) for tenants t-0 ..., and the operator key "operator-key".
        var tenants = args.Int("tenants", 0);
        await using var node = await BenchNode.StartAsync(
            o => o.MemoryTierBytes = tier, url, services: clock is null ? null : s => s.AddSingleton<TimeProvider>(clock),
            gateway: tenants == 0 ? null : g => g.ApiKeys =
            [
                .. Enumerable.Range(0, tenants).Select(t => new ApiKeyOptions { Key = $"tenant-key-{t}", Tenant = $"t-{t}" }),
                new ApiKeyOptions { Key = "operator-key", Tenant = "ops", Role = ApiKeyRole.Operator },
            ],
            dataDirectory: args.Get("data"));
        Console.WriteLine("READY " + node.Address + " " + node.DataDirectory);
        while (await Console.In.ReadLineAsync() is { } command)
        {
            switch (command)
            {
                case "gc":
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    Console.WriteLine("GC " + GC.GetTotalMemory(forceFullCollection: false));
                    break;
                case "gc-aggressive":
                    // What the GC gives back when asked to decommit all it can (GCCollectionMode.Aggressive).
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    Console.WriteLine("GC " + GC.GetTotalMemory(forceFullCollection: false));
                    break;
                case "timers" when clock is not null:
                    // One line: created, fired, then fired and live counts by owner (owner=fired/live;...).
                    var fired = clock.Fired;
                    var live = clock.Live;
                    var owners = fired.Keys.Union(live.Keys).Order(StringComparer.Ordinal)
                        .Select(o => $"{o}={fired.GetValueOrDefault(o)}/{live.GetValueOrDefault(o)}");
                    Console.WriteLine($"TIMERS {clock.Created} {clock.FiredTotal} {string.Join(';', owners)}");
                    break;
                case "committed":
                    // What the GC holds from the OS after its last collection (free regions it has not given back included).
                    Console.WriteLine("COMMITTED " + GC.GetGCMemoryInfo().TotalCommittedBytes);
                    break;
                case "trim":
                    Console.WriteLine("TRIM " + MallocTrim(0));
                    break;
                default:
                    Console.WriteLine("? " + command);
                    break;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
