using Spectre.Console;
using Spectre.Console.Rendering;
using Stoke.Gateway.Management;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Instances;

namespace Stoke.Cli.Rendering;

/// <summary>The live view of <c>GET /api/status</c>, shared by <c>stoke status</c> and <c>stoke demo</c>.</summary>
public static class StatusTables
{
    /// <summary>Header of the instances a function started, by tier (see <see cref="InstanceStarts"/>).</summary>
    public const string InstanceStartsColumn = "instance starts";

    public static Table Functions(IEnumerable<FunctionStatus> functions)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("function", "v", "loading", "ready", "draining", "held", "queue", "desired", "panic", "batch", InstanceStartsColumn, "p50 ms", "p99 ms", "req/s", "requests");
        foreach (var f in functions)
        {
            table.AddRow(
                Markup.Escape(f.Function),
                f.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Count(f, InstancePhase.Loading),
                Count(f, InstancePhase.Ready),
                Count(f, InstancePhase.Draining),
                f.Held.ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.Instances.Sum(i => i.QueueDepth).ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.DesiredInstances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.Panicking ? "[red]yes[/]" : "no",
                Fmt.Num(f.MeanBatchSize, "0.0"),
                Markup.Escape(InstanceStarts(f.ColdStartsByTier)),
                Fmt.Ms(f.P50Ms),
                Fmt.Ms(f.P99Ms),
                Fmt.Num(f.RequestsPerSecond, "0.0"),
                Fmt.Int(f.Requests));
        }

        return table;
    }

    public static Table Nodes(IEnumerable<NodeSnapshot> nodes)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "memory used / capacity", "memory tier", "disk tier", "instances", "cached (memory/disk)");
        foreach (var n in nodes)
        {
            table.AddRow(
                Markup.Escape(n.NodeId),
                $"{Fmt.Bytes(n.MemoryUsedBytes)} / {Fmt.Bytes(n.MemoryCapacityBytes)}",
                Fmt.Bytes(n.MemoryTierUsedBytes),
                Fmt.Bytes(n.DiskTierUsedBytes),
                n.Instances.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{n.MemoryTierArtifacts.Length}/{n.DiskTierArtifacts.Length}");
        }

        return table;
    }

    public static IRenderable Cluster(ClusterStatus status) =>
        new Rows(Functions(status.Functions), Nodes(status.Nodes), new Markup($"[grey]served by {Markup.Escape(status.ServedBy)}[/]"), StoreLine(status.Store));

    /// <summary>The state store as the serving node sees it, in one line: "store: redis ok", or down/lost since when and why.</summary>
    public static string Store(StoreStatus? store) => store switch
    {
        null => "store: unknown",
        { Status: StoreState.Ok or StoreState.Unknown } => $"store: {store.Backend} {store.Status.ToString().ToLowerInvariant()}",
        _ => $"store: {store.Backend} {store.Status.ToString().ToLowerInvariant()} since {store.Since?.UtcDateTime.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)} UTC: {store.LastError}",
    };

    private static Markup StoreLine(StoreStatus? store) =>
        new(store?.Status is StoreState.Down or StoreState.Lost ? $"[red]{Markup.Escape(Store(store))}[/]" : $"[grey]{Markup.Escape(Store(store))}[/]");

    /// <summary>One line per function for logs and CI, where a live table cannot redraw.</summary>
    public static string Line(FunctionStatus f) =>
        $"{f.Function} v{f.Version}: ready {f.Instances.Count(i => i.Phase == InstancePhase.Ready)}, loading {f.Instances.Count(i => i.Phase == InstancePhase.Loading)}, " +
        $"held {f.Held}, queue {f.Instances.Sum(i => i.QueueDepth)}, batch {Fmt.Num(f.MeanBatchSize, "0.0")}, instance starts {InstanceStarts(f.ColdStartsByTier)}, " +
        $"p50 {Fmt.Ms(f.P50Ms)} ms, p99 {Fmt.Ms(f.P99Ms)} ms, {Fmt.Num(f.RequestsPerSecond, "0.0")} req/s";

    /// <summary>
    /// Instances the function started (cold starts from the instance's side: one per model load), by the tier the
    /// model came from, e.g. <c>memory:3</c>; not the requests that waited for them (many can wait for one start).
    /// </summary>
    public static string InstanceStarts(IReadOnlyDictionary<string, long> byTier) =>
        byTier.Count == 0 ? "0" : string.Join(" ", byTier.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));

    private static string Count(FunctionStatus f, InstancePhase phase) =>
        f.Instances.Count(i => i.Phase == phase).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
