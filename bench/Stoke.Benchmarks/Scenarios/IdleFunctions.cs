using System.Diagnostics;
using System.Globalization;
using Stoke.Benchmarks.Support;
using Stoke.Client;
using Stoke.Engines.Onnx.Tests.Support;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Issue 9: thousands of functions deployed and idle on one node. Each repeat starts a fresh node as a child process
/// (<see cref="FootprintHost"/> with a <see cref="Integration.Tests.Support.CountingTimeProvider"/> as its clock) and
/// measures, in this order: the fresh node's RSS and its CPU time and timer callbacks over an idle window (the
/// 0-function baseline); the deploy of N functions that share one tiny ONNX model (the repository and the memory tier
/// hold it once); RSS right after, after a settle period and after a full GC; the same idle window again; then, with
/// <c>--invoked M</c>, M of them invoked once and scaled to zero, and the window once more. The per-function figure is
/// the RSS delta after GC over N, beside the state files' bytes per function (the stored spec).
/// </summary>
internal static partial class IdleFunctions
{
    private sealed record Phase(double RssMb, double CpuSeconds, long Fired, string FiredBy);

    private sealed record Sample(
        double DeploySeconds, Phase Fresh, double DeployedRssMb, double SettledRssMb, double GcRssMb, double TrimRssMb, double CommittedMb, double FreshCommittedMb, double ManagedMb, double FreshManagedMb, long StateBytes, long FreshStateBytes,
        Phase Idle, Phase? Invoked, double InvokedGcRssMb, double InvokedManagedMb, Restart? Restarted, Warm? Warmed);

    // With --warm-up K: the node after its first K deploys and an idle window, so the fixed costs of having deployed
    // at all (the deploy path's code, ONNX Runtime's library and environment after the first model validation) are
    // out of the per-function slope.
    private sealed record Warm(int Functions, Phase Idle, long StateBytes);

    // A new node on the same data folder: nothing churned by deploys, only what the stored functions cost.
    private sealed record Restart(double FreshRssMb, double FreshManagedMb, double LoadedRssMb, double LoadedManagedMb, double LoadedTrimRssMb, double FreshCommittedMb, double LoadedCommittedMb, double AggressiveRssMb, double LoadedIdleRssMb);

    public static async Task RunAsync(Args args)
    {
        var functions = args.Int("functions", 10_000);
        var repeats = args.Int("repeats", 3);
        var window = TimeSpan.FromSeconds(args.Double("window-seconds", 60));
        var settle = TimeSpan.FromSeconds(args.Double("settle-seconds", 10));
        var invoked = args.Int("invoked", 0);
        var warmUp = args.Int("warm-up", 0);
        var parallel = args.Int("parallel", 4);
        var gcdump = args.Get("gcdump");
        // Spread over tenants as a platform's functions are (and as the first figures were, when a tenant's registry
        // rewrote all its specs at each deploy); --tenants 1 puts them all in one registry.
        var tenants = args.Int("tenants", 100);
        var model = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "4"]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle functions: {functions} deployed over {tenants} tenants (one {model.Length}-byte ONNX model, {parallel} deploys at a time), {invoked} of them invoked once, window {window.TotalSeconds} s, settle {settle.TotalSeconds} s, {repeats} repeats"));
        var samples = new List<Sample>();
        for (var r = 0; r < repeats; r++)
        {
            var s = await MeasureAsync(model, functions, tenants, invoked, warmUp, parallel, window, settle, gcdump is null ? null : $"{gcdump}-{r + 1}");
            samples.Add(s);
            var invokedText = s.Invoked is { } inv
                ? string.Create(CultureInfo.InvariantCulture, $"; invoked once + scaled to zero: RSS after GC {s.InvokedGcRssMb:F1} MiB (managed {s.InvokedManagedMb:F1}), CPU {inv.CpuSeconds:F2} s, callbacks {inv.Fired}")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  repeat {r + 1}: deploy {s.DeploySeconds:F1} s; RSS fresh {s.Fresh.RssMb:F1}, deployed {s.DeployedRssMb:F1}, settled {s.SettledRssMb:F1}, after GC {s.GcRssMb:F1}, after trim {s.TrimRssMb:F1} MiB (managed {s.FreshManagedMb:F1} -> {s.ManagedMb:F1} MiB); state {s.FreshStateBytes} -> {s.StateBytes} bytes; idle CPU {s.Fresh.CpuSeconds:F2} s -> {s.Idle.CpuSeconds:F2} s, timer callbacks {s.Fresh.Fired} -> {s.Idle.Fired}{invokedText}"));
            Console.WriteLine($"    callbacks by owner (fired/live), 0 functions: {s.Fresh.FiredBy}");
            Console.WriteLine($"    callbacks by owner (fired/live), {functions} idle: {s.Idle.FiredBy}");
            if (s.Invoked is { } invokedPhase)
            {
                Console.WriteLine($"    callbacks by owner (fired/live), {invoked} invoked once then idle: {invokedPhase.FiredBy}");
            }
        }

        var kib = 1024.0 / functions;
        Console.WriteLine();
        Console.WriteLine("| figure | median [min-max] |");
        Console.WriteLine("|---|---|");
        Row("deploy time (s)", samples.Select(s => s.DeploySeconds), "F1");
        Row("RSS fresh, 0 functions (MiB)", samples.Select(s => s.Fresh.RssMb), "F1");
        Row($"RSS right after deploying {functions} (MiB)", samples.Select(s => s.DeployedRssMb), "F1");
        Row($"RSS after a {settle.TotalSeconds:F0} s settle (MiB)", samples.Select(s => s.SettledRssMb), "F1");
        Row("RSS after a full GC (MiB)", samples.Select(s => s.GcRssMb), "F1");
        Row("RSS after GC and malloc_trim (MiB)", samples.Select(s => s.TrimRssMb), "F1");
        Row("RSS after GC / fresh", samples.Select(s => s.GcRssMb / s.Fresh.RssMb), "F2");
        Row("RSS per function, after GC - fresh (KiB)", samples.Select(s => (s.GcRssMb - s.Fresh.RssMb) * kib), "F2");
        Row("RSS per function, after GC and malloc_trim - fresh (KiB)", samples.Select(s => (s.TrimRssMb - s.Fresh.RssMb) * kib), "F2");
        Row("GC committed per function, after GC - fresh (KiB)", samples.Select(s => (s.CommittedMb - s.FreshCommittedMb) * kib), "F2");
        Row("managed heap per function, after GC - fresh (KiB)", samples.Select(s => (s.ManagedMb - s.FreshManagedMb) * kib), "F2");
        Row("state files per function (KiB, the stored spec)", samples.Select(s => (s.StateBytes - s.FreshStateBytes) / 1024.0 / functions), "F2");
        Row("RSS per function beyond its stored state (KiB)", samples.Select(s => ((s.GcRssMb - s.Fresh.RssMb) * kib) - ((s.StateBytes - s.FreshStateBytes) / 1024.0 / functions)), "F2");
        // Both ends of a window the node spent alone: what it keeps by itself (its idle compaction included), no command.
        Row($"RSS per function at the end of the {window.TotalSeconds:F0} s idle window - fresh node at the end of its window (KiB)", samples.Select(s => (s.Idle.RssMb - s.Fresh.RssMb) * kib), "F2");
        Row("... beyond its stored state (KiB)", samples.Select(s => ((s.Idle.RssMb - s.Fresh.RssMb) * kib) - ((s.StateBytes - s.FreshStateBytes) / 1024.0 / functions)), "F2");
        if (warmUp > 0)
        {
            var slope = 1024.0 / (functions - warmUp);
            Row($"RSS after {warmUp} deploys and a {window.TotalSeconds:F0} s idle window - fresh node at the end of its window (MiB: the fixed cost of having deployed)", samples.Select(s => s.Warmed!.Idle.RssMb - s.Fresh.RssMb), "F1");
            Row($"RSS per function at the end of the idle window, beyond the {warmUp}-function node at the end of its window (KiB, over the other {functions - warmUp})", samples.Select(s => (s.Idle.RssMb - s.Warmed!.Idle.RssMb) * slope), "F2");
            Row("... beyond its stored state (KiB)", samples.Select(s => ((s.Idle.RssMb - s.Warmed!.Idle.RssMb) * slope) - ((s.StateBytes - s.Warmed.StateBytes) / 1024.0 / (functions - warmUp))), "F2");
        }

        if (samples.All(s => s.Restarted is not null))
        {
            Row($"after a restart on the same data: RSS before any call, after GC (MiB)", samples.Select(s => s.Restarted!.FreshRssMb), "F1");
            Row($"after a restart: RSS with every tenant's registry loaded (all {functions} specs in memory), after GC (MiB)", samples.Select(s => s.Restarted!.LoadedRssMb), "F1");
            Row("after a restart: the same after malloc_trim (MiB)", samples.Select(s => s.Restarted!.LoadedTrimRssMb), "F1");
            Row("after a restart: RSS per function, registries loaded - fresh empty node (KiB)", samples.Select(s => (s.Restarted!.LoadedTrimRssMb - s.Fresh.RssMb) * kib), "F2");
            Row("after a restart: managed heap per function, registries loaded - fresh empty node (KiB)", samples.Select(s => (s.Restarted!.LoadedManagedMb - s.FreshManagedMb) * kib), "F2");
            Row("after a restart: RSS per function after an aggressive GC (decommits free memory) - fresh empty node (KiB)", samples.Select(s => (s.Restarted!.AggressiveRssMb - s.Fresh.RssMb) * kib), "F2");
            Row($"after a restart: RSS per function, registries loaded, then {window.TotalSeconds:F0} s alone - fresh empty node (KiB)", samples.Select(s => (s.Restarted!.LoadedIdleRssMb - s.Fresh.RssMb) * kib), "F2");
            Row("... beyond its stored state (KiB)", samples.Select(s => ((s.Restarted!.LoadedIdleRssMb - s.Fresh.RssMb) * kib) - ((s.StateBytes - s.FreshStateBytes) / 1024.0 / functions)), "F2");
            Row("after a restart: GC committed per function, registries loaded - before any call (KiB)", samples.Select(s => (s.Restarted!.LoadedCommittedMb - s.Restarted!.FreshCommittedMb) * kib), "F2");
        }

        Row($"CPU over the {window.TotalSeconds:F0} s window, 0 functions (s)", samples.Select(s => s.Fresh.CpuSeconds), "F2");
        Row($"CPU over the window, {functions} idle (s)", samples.Select(s => s.Idle.CpuSeconds), "F2");
        Row("idle CPU, N functions / 0 functions", samples.Select(s => s.Idle.CpuSeconds / Math.Max(0.01, s.Fresh.CpuSeconds)), "F2");
        Row("timer callbacks over the window, 0 functions", samples.Select(s => (double)s.Fresh.Fired), "F0");
        Row($"timer callbacks over the window, {functions} idle", samples.Select(s => (double)s.Idle.Fired), "F0");
        if (invoked > 0)
        {
            Row($"RSS after GC, {invoked} invoked once and scaled to zero (MiB)", samples.Select(s => s.InvokedGcRssMb), "F1");
            Row("RSS per invoked function, beyond a never-invoked one (KiB)", samples.Select(s => (s.InvokedGcRssMb - s.GcRssMb) * 1024 / invoked), "F2");
            Row("managed heap per invoked function, beyond a never-invoked one (KiB)", samples.Select(s => (s.InvokedManagedMb - s.ManagedMb) * 1024 / invoked), "F2");
            Row($"CPU over the window, {invoked} invoked once then idle (s)", samples.Select(s => s.Invoked!.CpuSeconds), "F2");
            Row("timer callbacks over the window, invoked once then idle", samples.Select(s => (double)s.Invoked!.Fired), "F0");
        }
    }

    private static void Row(string name, IEnumerable<double> values, string format) => Console.WriteLine($"| {name} | {Stats.Summary(values.ToList(), format)} |");

    private static async Task<Sample> MeasureAsync(byte[] model, int functions, int tenants, int invoked, int warmUp, int parallel, TimeSpan window, TimeSpan settle, string? gcdump)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IdleFunctions).Assembly.Location);
        }

        var url = $"http://127.0.0.1:{BenchNode.FreePort()}";
        foreach (var a in new[] { "host", "--url", url, "--count-timers", "true", "--tenants", tenants.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        try
        {
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("READY", StringComparison.Ordinal))
            {
            }

            var data = line!.Split(' ')[2];
            var state = Path.Combine(data, "state");
            var clients = Enumerable.Range(0, tenants).Select(t => new StokeClient(new Uri(url), $"tenant-key-{t}")).ToArray();
            using var operatorClient = new StokeClient(new Uri(url), "operator-key");
            // The baseline window starts once the fresh node's start-up work (JIT, first GCs) is over.
            await Task.Delay(settle * 3);
            var freshManaged = await ManagedMbAsync(child);
            var freshCommitted = await CommittedMbAsync(child);
            var freshState = FolderBytes(state);
            var fresh = await IdleWindowAsync(child, window);

            Warm? warm = null;
            if (warmUp > 0)
            {
                await Parallel.ForAsync(0, warmUp, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
                    await clients[i % tenants].DeployAsync(Name(i), model, Settings, ct));
                await Task.Delay(settle);
                await ManagedMbAsync(child); // as before the idle window below: a full GC, then malloc_trim
                await CommandAsync(child, "trim");
                warm = new Warm(warmUp, await IdleWindowAsync(child, window), FolderBytes(state));
            }

            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(warmUp, functions, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
                await clients[i % tenants].DeployAsync(Name(i), model, Settings, ct));
            var deploySeconds = clock.Elapsed.TotalSeconds;
            var deployed = RssMb(child.Id);
            await Task.Delay(settle);
            var settled = RssMb(child.Id);
            var managed = await ManagedMbAsync(child);
            var committed = await CommittedMbAsync(child);
            var gc = RssMb(child.Id);
            await CommandAsync(child, "trim");
            var trimmed = RssMb(child.Id);
            var stateBytes = FolderBytes(state);
            await GcDumpAsync(child, gcdump, "idle");
            var idle = await IdleWindowAsync(child, window);

            Phase? invokedPhase = null;
            double invokedGc = 0, invokedManaged = 0;
            if (invoked > 0)
            {
                const string body = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";
                await Parallel.ForAsync(0, invoked, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
                {
                    var f = i * (functions / invoked);
                    var response = await clients[f % tenants].InferAsync(Name(f), body, cancellationToken: ct);
                    if (response.Status != System.Net.HttpStatusCode.OK)
                    {
                        throw new InvalidOperationException($"Infer on {Name(f)} answered {(int)response.Status}.");
                    }
                });
                await WaitForNoInstancesAsync(operatorClient, TimeSpan.FromMinutes(5));
                await Task.Delay(settle);
                invokedPhase = await IdleWindowAsync(child, window);
                invokedManaged = await ManagedMbAsync(child);
                invokedGc = RssMb(child.Id);
                await GcDumpAsync(child, gcdump, "invoked");
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            var restarted = await RestartAsync(start, data, clients, settle, window, gcdump);
            foreach (var c in clients)
            {
                c.Dispose();
            }

            return new Sample(deploySeconds, fresh, deployed, settled, gc, trimmed, committed, freshCommitted, managed, freshManaged, stateBytes, freshState, idle, invokedPhase, invokedGc, invokedManaged, restarted, warm);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
        }
    }

    // With --gcdump PATH, a heap snapshot of the child (dotnet-gcdump, when installed) for the type breakdown.
    private static async Task GcDumpAsync(Process child, string? path, string phase)
    {
        if (path is null)
        {
            return;
        }

        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-gcdump");
        using var dump = Process.Start(new ProcessStartInfo(File.Exists(tool) ? tool : "dotnet-gcdump", ["collect", "-p", child.Id.ToString(CultureInfo.InvariantCulture), "-o", $"{path}-{phase}.gcdump"])
        {
            RedirectStandardOutput = true,
        })!;
        await dump.StandardOutput.ReadToEndAsync();
        await dump.WaitForExitAsync();
    }

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["keepAliveSeconds"] = "2", ["maxInstances"] = "1", ["stableWindowSeconds"] = "2", ["panicWindowSeconds"] = "1",
    };

    private static string Name(int i) => "idle-" + i.ToString("D5", CultureInfo.InvariantCulture);

    // The same node started again on the data folder; listing each tenant's functions loads its registry.
    private static async Task<Restart> RestartAsync(ProcessStartInfo first, string data, StokeClient[] clients, TimeSpan settle, TimeSpan window, string? gcdump)
    {
        var start = new ProcessStartInfo(first.FileName) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in first.ArgumentList.Append("--data").Append(data))
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        try
        {
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("READY", StringComparison.Ordinal))
            {
            }

            await Task.Delay(settle);
            var freshManaged = await ManagedMbAsync(child);
            var freshCommitted = await CommittedMbAsync(child);
            var fresh = RssMb(child.Id);
            foreach (var c in clients)
            {
                await c.ListAsync();
            }

            await Task.Delay(settle);
            var loadedManaged = await ManagedMbAsync(child);
            var loadedCommitted = await CommittedMbAsync(child);
            var loaded = RssMb(child.Id);
            // Left alone for a window, as an idle node is: what it gives back by itself (IdleCompaction), no command.
            var loadedIdle = (await IdleWindowAsync(child, window)).RssMb;
            await CommandAsync(child, "trim");
            var trimmed = RssMb(child.Id);
            await GcDumpAsync(child, gcdump, "restarted");
            await CommandAsync(child, "gc-aggressive");
            return new Restart(fresh, freshManaged, loaded, loadedManaged, trimmed, freshCommitted, loadedCommitted, RssMb(child.Id), loadedIdle);
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }
}
