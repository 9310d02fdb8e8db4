using Microsoft.Extensions.Time.Testing;
using Stoke.Control.Metering;

namespace Stoke.Control.Tests;

public sealed class LatencyWindowTests
{
    // Every function controller has one: an idle function's must not cost its full ring (4096 samples, 96 KiB).
    [Fact]
    public void AWindowWithNoSamplesHoldsNoRing()
    {
        var time = new FakeTimeProvider(ControllerRig.T0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var window = new LatencyWindow(time);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, window.Allocated);
        Assert.True(allocated < 1024, $"an empty latency window allocated {allocated} bytes");
    }

    [Fact]
    public void GrowsWithItsSamplesAndKeepsTheLatestOnceFull()
    {
        var time = new FakeTimeProvider(ControllerRig.T0);
        var window = new LatencyWindow(time);
        for (var i = 1; i <= LatencyWindow.Capacity + 1000; i++)
        {
            window.Add(i, batchSize: 1);
        }

        Assert.Equal(LatencyWindow.Capacity, window.Allocated);
        // The oldest 1000 fell out: the lowest kept is 1001, the highest the last added.
        Assert.Equal(1001, window.Percentile(0.0001));
        Assert.Equal(LatencyWindow.Capacity + 1000, window.Percentile(1));
    }

    [Fact]
    public void KeepsEverySampleInOrderWhileItGrows()
    {
        var time = new FakeTimeProvider(ControllerRig.T0);
        var window = new LatencyWindow(time);
        for (var i = 1; i <= 100; i++)
        {
            window.Add(i, batchSize: i % 2 == 0 ? 4 : 2);
        }

        Assert.Equal(50, window.Percentile(0.5));
        Assert.Equal(100, window.Percentile(1));
        Assert.Equal(1, window.Percentile(0.001));
        Assert.Equal(3, window.MeanBatchSize());
    }
}
