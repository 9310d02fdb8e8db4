using Microsoft.Extensions.Time.Testing;
using Stoke.Control.Metering;

namespace Stoke.Control.Tests;

public sealed class LoadMeterTests
{
    [Fact]
    public void ConcurrencyIsTheTimeAverageOfRequestsInFlight()
    {
        var time = new FakeTimeProvider(ControllerRig.T0);
        var meter = new LoadMeter(time);
        meter.Arrive();
        time.Advance(TimeSpan.FromSeconds(1));
        meter.Arrive();
        time.Advance(TimeSpan.FromSeconds(1));
        meter.Leave();
        meter.Leave();
        time.Advance(TimeSpan.FromSeconds(2));

        var interval = meter.Cut();

        // One request for 1 s, two for 1 s, none for 2 s: 3 request-seconds over 4 s.
        Assert.Equal(3.0, interval.ConcurrencySeconds, 6);
        Assert.Equal(0.75, interval.AverageConcurrency, 6);
        Assert.Equal(2, interval.Arrivals);
        Assert.Equal(ControllerRig.T0, interval.FirstArrival);
        Assert.Equal(ControllerRig.T0.AddSeconds(1), interval.LastArrival);
    }

    [Fact]
    public void ACutStartsTheNextIntervalWithTheRequestsStillInFlight()
    {
        var time = new FakeTimeProvider(ControllerRig.T0);
        var meter = new LoadMeter(time);
        meter.Arrive();
        time.Advance(TimeSpan.FromSeconds(1));
        meter.Cut();
        time.Advance(TimeSpan.FromSeconds(2));

        var next = meter.Cut();

        Assert.Equal(1, next.InFlight);
        Assert.Equal(0, next.Arrivals);
        Assert.Equal(1.0, next.AverageConcurrency, 6);
    }
}
