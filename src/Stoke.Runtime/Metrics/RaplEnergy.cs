using System.Diagnostics.Metrics;
using System.Globalization;

namespace Stoke.Runtime.Metrics;

/// <summary>
/// The CPU packages' measured energy from Linux's RAPL counters (<c>/sys/class/powercap/intel-rapl:N/energy_uj</c>,
/// also AMD's since Linux 5.8), where they are readable: a cumulative count in joules per package, unwrapped across
/// the counter's wrap at <c>max_energy_range_uj</c>. It reports the node's real draw beside the per-request
/// estimates of <see cref="Abstractions.Usage.EnergyModel"/> (virtual machines and containers seldom expose it; then
/// there is nothing to report).
/// </summary>
public sealed class RaplEnergy
{
    public const string DefaultRoot = "/sys/class/powercap";
    private readonly Lock _gate = new();
    private readonly Domain[] _domains;

    public RaplEnergy(string root = DefaultRoot)
    {
        _domains = Discover(root);
    }

    /// <summary>Whether any package counter is readable here.</summary>
    public bool Available => _domains.Length > 0;

    /// <summary>Package names (<c>package-0</c>, ...), in the order of <see cref="ReadJoules"/>.</summary>
    public IReadOnlyList<string> Packages => [.. _domains.Select(d => d.Name)];

    /// <summary>Joules each package used since this reader started (monotonic; a counter that cannot be read keeps its last value).</summary>
    public double[] ReadJoules()
    {
        lock (_gate)
        {
            var joules = new double[_domains.Length];
            for (var i = 0; i < _domains.Length; i++)
            {
                joules[i] = _domains[i].Advance() / 1e6;
            }

            return joules;
        }
    }

    /// <summary>Reports the packages' energy as the observable counter <c>stoke.node.energy</c> (J, by package).</summary>
    public void Observe(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        if (!Available)
        {
            return;
        }

        meter.CreateObservableCounter("stoke.node.energy", () =>
        {
            var joules = ReadJoules();
            return joules.Select((j, i) => new Measurement<double>(j, new KeyValuePair<string, object?>("stoke.package", _domains[i].Name)));
        }, "J", "Energy the node's CPU packages used since it started, from RAPL counters.");
    }

    // Top-level zones only (intel-rapl:0, not its sub-zones intel-rapl:0:0), which count the whole package.
    private static Domain[] Discover(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var domains = new List<Domain>();
        foreach (var zone in Directory.EnumerateDirectories(root, "intel-rapl:*").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(zone).Count(c => c == ':') != 1)
            {
                continue;
            }

            var energy = Path.Combine(zone, "energy_uj");
            if (ReadMicrojoules(energy) is not { } first)
            {
                continue;
            }

            var name = ReadText(Path.Combine(zone, "name")) ?? Path.GetFileName(zone);
            var range = ReadMicrojoules(Path.Combine(zone, "max_energy_range_uj")) ?? 0;
            domains.Add(new Domain(name, energy, range, first));
        }

        return [.. domains];
    }

    private static long? ReadMicrojoules(string path) =>
        long.TryParse(ReadText(path), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    // Since Linux 5.10 energy_uj is readable by root only (a side channel otherwise): unreadable is not available.
    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed class Domain(string name, string path, long range, long first)
    {
        private long _last = first;
        private long _total;

        public string Name { get; } = name;

        // The counter wraps at its range: a reading below the last one means it wrapped once since.
        public long Advance()
        {
            if (ReadMicrojoules(path) is { } now)
            {
                _total += now >= _last ? now - _last : range - _last + now;
                _last = now;
            }

            return _total;
        }
    }
}
