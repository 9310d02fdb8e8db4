using System.Diagnostics.Metrics;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Tests.Artifacts;

namespace Stoke.Runtime.Tests.Metrics;

/// <summary>
/// The RAPL reader on a folder laid out as Linux's <c>/sys/class/powercap</c> (this machine exposes none; the real
/// files hold one decimal number each, which the test writes as the kernel would).
/// </summary>
public sealed class RaplEnergyTests : IDisposable
{
    private readonly ScratchFolder _root = new();

    public void Dispose() => _root.Dispose();

    private void Zone(string zone, string? name, long microjoules, long range = 262_143_328_850)
    {
        var dir = Path.Combine(_root.Path, zone);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "energy_uj"), microjoules + "\n");
        File.WriteAllText(Path.Combine(dir, "max_energy_range_uj"), range + "\n");
        if (name is not null)
        {
            File.WriteAllText(Path.Combine(dir, "name"), name + "\n");
        }
    }

    private void Set(string zone, long microjoules) => File.WriteAllText(Path.Combine(_root.Path, zone, "energy_uj"), microjoules + "\n");

    [Fact]
    public void CountsEachPackageSinceStartAndIgnoresItsSubZones()
    {
        Zone("intel-rapl:0", "package-0", 5_000_000);
        Zone("intel-rapl:0:0", "core", 1_000_000);
        Zone("intel-rapl:1", "package-1", 7_000_000);
        var rapl = new RaplEnergy(_root.Path);

        Set("intel-rapl:0", 8_500_000);
        Set("intel-rapl:0:0", 9_000_000);
        Set("intel-rapl:1", 7_250_000);

        Assert.True(rapl.Available);
        Assert.Equal(["package-0", "package-1"], rapl.Packages);
        Assert.Equal([3.5, 0.25], rapl.ReadJoules());
    }

    [Fact]
    public void AWrappedCounterKeepsCountingUp()
    {
        Zone("intel-rapl:0", "package-0", 990, range: 1_000);
        var rapl = new RaplEnergy(_root.Path);

        Set("intel-rapl:0", 20);
        var once = rapl.ReadJoules()[0];
        Set("intel-rapl:0", 500);

        Assert.Equal(30 / 1e6, once, 12);
        Assert.Equal(510 / 1e6, rapl.ReadJoules()[0], 12);
    }

    [Fact]
    public void AnUnreadableOrMissingCounterIsNotAvailableAndReportsNothing()
    {
        var missing = new RaplEnergy(Path.Combine(_root.Path, "none"));
        Directory.CreateDirectory(Path.Combine(_root.Path, "intel-rapl:0"));
        File.WriteAllText(Path.Combine(_root.Path, "intel-rapl:0", "energy_uj"), "not a number");
        var garbled = new RaplEnergy(_root.Path);
        using var meter = new Meter("rapl-test-" + Guid.NewGuid().ToString("N"));
        garbled.Observe(meter);

        Assert.False(missing.Available);
        Assert.False(garbled.Available);
        Assert.Empty(garbled.ReadJoules());
    }

    [Fact]
    public void ThePackagesEnergyIsAnObservableCounterTaggedByPackage()
    {
        Zone("intel-rapl:0", null, 1_000_000);
        var rapl = new RaplEnergy(_root.Path);
        using var meter = new Meter("rapl-test-" + Guid.NewGuid().ToString("N"));
        rapl.Observe(meter);
        Set("intel-rapl:0", 3_000_000);
        var seen = new List<(double Joules, string Package)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "stoke.node.energy")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => seen.Add((value, (string)tags[0].Value!)));
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Equal([(2.0, "intel-rapl:0")], seen);
    }
}
