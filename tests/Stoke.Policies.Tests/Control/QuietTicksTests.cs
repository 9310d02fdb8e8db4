using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies.Control;

namespace Stoke.Policies.Tests.Control;

/// <summary>
/// <see cref="InstanceCountController.QuietTicks"/> must count exactly the ticks that, ticked one by one with no load,
/// decide what the last tick did: a twin controller with the same history ticks them and counts.
/// </summary>
public sealed class QuietTicksTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(2);

    private static InstanceCountController Create(ScalingOptions scaling)
    {
        var spec = Specs.With(scaling);
        var catalog = new PolicyCatalog();
        return new InstanceCountController(spec.Scaling, catalog.CreateAutoscaler(spec), catalog.CreateKeepAlive(spec));
    }

    // Loads a step apart (regular ticks, the bisection's case) or with a close pair (a wake-up tick; the scan's case).
    [Theory]
    [InlineData(4.0, 1, false, 0)]
    [InlineData(4.0, 3, false, 0)]
    [InlineData(0.5, 2, false, 0)]
    [InlineData(0.5, 2, true, 0)]
    [InlineData(4.0, 1, true, 1)]
    [InlineData(1.0, 4, false, 1)]
    public void CountsTheTicksThatDecideAsTheLastOne(double target, int instances, bool closePair, int minInstances)
    {
        var scaling = new ScalingOptions { TargetConcurrency = target, MaxInstances = 16, MinInstances = minInstances, KeepAliveTtl = TimeSpan.FromSeconds(40) };
        foreach (var busyTicks in new[] { 1, 3, 8, 20 })
        {
            var subject = Create(scaling);
            var twin = Create(scaling);
            var now = Specs.T0;
            ControlDecision last = default;
            for (var i = 0; i < busyTicks; i++)
            {
                now += closePair && i == busyTicks - 1 ? TimeSpan.FromSeconds(0.5) : Step;
                var load = (i * 7919 % 11) / 2.0;
                last = Tick(subject, now, load, arrivals: 1, instances);
                Tick(twin, now, load, arrivals: 1, instances);
            }

            // The last busy tick's load is in flight no more: one idle tick, then the quiet run starts.
            now += Step;
            last = Tick(subject, now, 0, arrivals: 0, instances);
            Tick(twin, now, 0, arrivals: 0, instances);

            const int max = 60;
            var skippable = subject.QuietTicks(now, Step, max, instances);
            var same = 0;
            while (same < max && Tick(twin, now + ((same + 1) * Step), 0, arrivals: 0, instances) is { } d
                && d.Target == last.Target && d.Start == 0 && d.Release.Count == 0 && d.Scale == last.Scale && d.Floor == last.Floor)
            {
                same++;
            }

            Assert.Equal(same, skippable);
        }
    }

    private static ControlDecision Tick(InstanceCountController controller, DateTimeOffset now, double load, long arrivals, int instances)
    {
        if (arrivals > 0)
        {
            controller.OnArrivals(now, now, arrivals);
        }

        var states = Enumerable.Range(0, instances).Select(i => new InstanceState($"i{i}", true, 0, now)).ToList();
        return controller.Decide(new ScaleSignal(now, load, arrivals, 0, instances, 0, TimeSpan.FromSeconds(2), Explain: false), 0, states);
    }
}
