using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Nodes;
using Stoke.Runtime.Storage;

namespace Stoke.Integration.Tests.Storage;

/// <summary>StoreHealth on fake time with a scripted store: what it reports and logs as the store goes and comes back.</summary>
public sealed class StoreHealthTests
{
    private static readonly ClusterMarker Joined = new() { ClusterId = "c", Generation = Guid.NewGuid(), CreatedAt = DateTimeOffset.UnixEpoch };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedStore _store = new();
    private readonly Logs _logs = new();
    private readonly StoreHealth _health;

    public StoreHealthTests() =>
        _health = new StoreHealth(_store, Options.Create(new ClusterStoreOptions()), _time, _logs);

    [Fact]
    public async Task ReportsOkWhenTheStoreAnswersAndHoldsTheCluster()
    {
        _health.Watch(_store, Joined);
        _store.Marker = Joined;

        await _health.ProbeAsync();

        Assert.Equal(StoreState.Ok, _health.Current.Status);
    }

    [Fact]
    public async Task ReportsDownWithTheErrorAndLogsAWarningOnce()
    {
        _store.Failure = new InvalidOperationException("connection refused");

        await _health.ProbeAsync();
        await _health.ProbeAsync();

        Assert.Equal((StoreState.Down, "connection refused"), (_health.Current.Status, _health.Current.LastError));
        Assert.Equal([(LogLevel.Warning, 1200)], _logs.Entries);
    }

    [Fact]
    public async Task ReportsDownWhenTheStoreDoesNotAnswerWithinTheTimeout()
    {
        _store.Hang = true;

        var probe = _health.ProbeAsync();
        _time.Advance(new ClusterStoreOptions().ProbeTimeout);
        await probe;

        Assert.Equal(StoreState.Down, _health.Current.Status);
        Assert.Contains("no answer within 2 s", _health.Current.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsInfoWhenTheStoreIsBack()
    {
        _store.Failure = new InvalidOperationException("down");
        await _health.ProbeAsync();
        _time.Advance(TimeSpan.FromSeconds(30));
        _store.Failure = null;

        await _health.ProbeAsync();

        Assert.Equal((StoreState.Ok, null, _time.GetUtcNow()), (_health.Current.Status, _health.Current.LastError, _health.Current.Since));
        Assert.Equal([(LogLevel.Warning, 1200), (LogLevel.Information, 1201)], _logs.Entries);
    }

    [Fact]
    public async Task ReportsLostWhenTheMarkerVanishesFromAReachableStore()
    {
        _health.Watch(_store, Joined);
        _store.Marker = null;

        await _health.ProbeAsync();

        Assert.Equal(StoreState.Lost, _health.Current.Status);
        Assert.Contains("functions registry", _health.Current.LastError, StringComparison.Ordinal);
        Assert.Equal([(LogLevel.Error, 1202)], _logs.Entries);
    }

    [Fact]
    public async Task ReportsLostWhenTheStoreHoldsAnotherGenerationOfTheCluster()
    {
        _health.Watch(_store, Joined);
        _store.Marker = Joined with { Generation = Guid.NewGuid() };

        await _health.ProbeAsync();

        Assert.Equal(StoreState.Lost, _health.Current.Status);
    }

    [Fact]
    public async Task ProbesOnStartAndThenEveryInterval()
    {
        await _health.Start();
        _time.Advance(new ClusterStoreOptions().ProbeInterval);
        _time.Advance(new ClusterStoreOptions().ProbeInterval);
        await _health.Stop();
        _time.Advance(new ClusterStoreOptions().ProbeInterval);

        Assert.Equal(3, _store.Pings);
    }

    private sealed class ScriptedStore : IStoreProbe, IClusterMarkerStore
    {
        public Exception? Failure { get; set; }

        public bool Hang { get; set; }

        public ClusterMarker? Marker { get; set; }

        public int Pings { get; private set; }

        public string Backend => "test";

        public Task PingAsync(CancellationToken cancellationToken)
        {
            Pings++;
            return Hang ? Task.Delay(Timeout.Infinite, cancellationToken) : Failure is { } e ? Task.FromException(e) : Task.CompletedTask;
        }

        public Task<ClusterMarker?> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(Marker);

        public Task<ClusterMarker> CreateAsync(ClusterMarker marker, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class Logs : ILogger<StoreHealth>
    {
        public List<(LogLevel, int)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id));
    }
}
