using System.Runtime;
using System.Runtime.InteropServices;
using Stoke.Benchmarks.Support;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// The idle-footprint benchmark's server: a node as <c>stoke serve</c> builds it (<c>StokeHost.Create</c>, same GC
/// mode), alone in its process so that its resident memory can be read. Prints <c>READY</c> when it listens, then
/// answers two diagnostic commands on stdin: <c>gc</c> (a full compacting collection) and <c>trim</c> (glibc's
/// <c>malloc_trim</c>), which tell managed memory still referenced from native memory kept by the allocator.
/// </summary>
internal static partial class FootprintHost
{
    public static async Task RunAsync(Args args)
    {
        var url = args.Str("url", "http://127.0.0.1:8080");
        var tier = args.Long("memory-tier-bytes", 1L << 30);
        await using var node = await BenchNode.StartAsync(o => o.MemoryTierBytes = tier, url);
        Console.WriteLine("READY " + node.Address);
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
