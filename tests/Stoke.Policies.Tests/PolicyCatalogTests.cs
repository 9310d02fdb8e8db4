using Stoke.Abstractions.Functions;

namespace Stoke.Policies.Tests;

public sealed class PolicyCatalogTests
{
    private readonly PolicyCatalog _catalog = new();

    [Fact]
    public void AcceptsTheDefaultSpec() => _catalog.Validate(Specs.With());

    [Fact]
    public void UnknownAutoscalerListsTheKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions { Autoscaler = "magic" })));
        Assert.Contains("Scaling.Autoscaler", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'magic'", ex.Message, StringComparison.Ordinal);
        foreach (var name in PolicyCatalog.Autoscalers)
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownKeepAliveIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions { KeepAlive = "forever" })));
        Assert.Contains("Scaling.KeepAlive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownBatchingIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(batching: new BatchingOptions { Policy = "huge" })));
        Assert.Contains("Batching.Policy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxInstancesBelowMinInstancesIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions { MinInstances = 3, MaxInstances = 2 })));
        Assert.Contains("Scaling.MaxInstances", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Scaling.MinInstances", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxBatchSizeBelowOneIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(batching: new BatchingOptions { MaxBatchSize = 0 })));
        Assert.Contains("Batching.MaxBatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void NonPositiveTargetConcurrencyIsRejected(double target)
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions { TargetConcurrency = target })));
        Assert.Contains("Scaling.TargetConcurrency", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeTtlIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions { KeepAliveTtl = TimeSpan.FromSeconds(-1) })));
        Assert.Contains("Scaling.KeepAliveTtl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PanicWindowLongerThanStableWindowIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(new ScalingOptions
        {
            StableWindow = TimeSpan.FromSeconds(10),
            PanicWindow = TimeSpan.FromSeconds(20),
        })));
        Assert.Contains("Scaling.PanicWindow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonPositiveSloIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _catalog.Validate(Specs.With(slo: TimeSpan.Zero)));
        Assert.Contains("Slo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateRejectsAnInvalidSpec() =>
        Assert.Throws<ArgumentException>(() => _catalog.CreateAutoscaler(Specs.With(new ScalingOptions { MaxInstances = 0 })));

    [Fact]
    public void UnknownPlacementAndEvictionNamesAreRejected()
    {
        var placement = Assert.Throws<ArgumentException>(() => _catalog.CreatePlacement("random"));
        Assert.Contains(PolicyNames.BestFit, placement.Message, StringComparison.Ordinal);
        var eviction = Assert.Throws<ArgumentException>(() => _catalog.CreateEviction("fifo"));
        Assert.Contains(PolicyNames.CostAwareEviction, eviction.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatesEveryListedPolicy()
    {
        foreach (var name in PolicyCatalog.Autoscalers)
        {
            Assert.NotNull(_catalog.CreateAutoscaler(Specs.With(new ScalingOptions { Autoscaler = name })));
        }

        foreach (var name in PolicyCatalog.KeepAlives)
        {
            Assert.NotNull(_catalog.CreateKeepAlive(Specs.With(new ScalingOptions { KeepAlive = name })));
        }

        foreach (var name in PolicyCatalog.Batchers)
        {
            Assert.NotNull(_catalog.CreateBatching(Specs.With(batching: new BatchingOptions { Policy = name })));
        }

        foreach (var name in PolicyCatalog.Placements)
        {
            Assert.Equal(name, _catalog.CreatePlacement(name).Name);
        }

        foreach (var name in PolicyCatalog.Evictions)
        {
            Assert.Equal(name, _catalog.CreateEviction(name).Name);
        }
    }

    [Fact]
    public void CreatesAFreshObjectPerCall()
    {
        var spec = Specs.With();
        Assert.NotSame(_catalog.CreateAutoscaler(spec), _catalog.CreateAutoscaler(spec));
    }
}
