using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Stoke.Abstractions.Nodes;

namespace Stoke.Runtime.Storage;

/// <summary>
/// Probes the node's state store on a <see cref="TimeProvider"/> timer and keeps what it learned for the health and
/// status endpoints. A node whose store goes away keeps serving from memory; this is how it says so: a warning when
/// the store goes down, an error when it comes back without the cluster this node joined, and info when it is back.
/// </summary>
public sealed partial class StoreHealth : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly IStoreProbe _probe;
    private readonly ClusterStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private StoreStatus _current;
    private (IClusterMarkerStore Store, ClusterMarker Joined)? _marker;
    private ITimer? _timer;
    private int _probing;

    public StoreHealth(IStoreProbe probe, IOptions<ClusterStoreOptions> options, TimeProvider time, ILogger<StoreHealth> logger)
    {
        _probe = probe;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _current = new StoreStatus(probe.Backend, StoreState.Unknown, null, null, null);
    }

    /// <summary>What the last probe found.</summary>
    public StoreStatus Current => Volatile.Read(ref _current);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoreHealth), ServiceLifecycleStage.Active, _ => Start(), _ => Stop());

    /// <summary>From now on a probe also checks that the store still holds <paramref name="joined"/>.</summary>
    public void Watch(IClusterMarkerStore store, ClusterMarker joined) => _marker = (store, joined);

    /// <summary>Probes once now, then every <see cref="ClusterStoreOptions.ProbeInterval"/>.</summary>
    public Task Start()
    {
        _ = TickAsync();
        _timer ??= _time.CreateTimer(_ => _ = TickAsync(), null, _options.ProbeInterval, _options.ProbeInterval);
        return Task.CompletedTask;
    }

    public Task Stop()
    {
        _timer?.Dispose();
        _timer = null;
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    /// <summary>One probe: the store answers within the timeout, and still holds the cluster this node joined.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        var (state, error) = await CheckAsync(cancellationToken);
        Record(state, error, _time.GetUtcNow());
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stopping.Dispose();
    }

    private async Task TickAsync()
    {
        // A probe still waiting on a slow store is not joined by another one.
        if (Interlocked.Exchange(ref _probing, 1) == 1)
        {
            return;
        }

        try
        {
            await ProbeAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    private async Task<(StoreState, string?)> CheckAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await _probe.PingAsync(attempt.Token).WaitAsync(_options.ProbeTimeout, _time, cancellationToken);
            if (_marker is not { } watched)
            {
                return (StoreState.Ok, null);
            }

            var found = await watched.Store.ReadAsync(attempt.Token).WaitAsync(_options.ProbeTimeout, _time, cancellationToken);
            if (found is null)
            {
                return (StoreState.Lost, $"The store no longer holds {watched.Joined}, which this node joined: it restarted empty or was wiped, " +
                    "and the functions registry and usage ledger it held are lost. This node serves what it has in memory; " +
                    "restart the cluster's nodes with --accept-empty-store to form a new cluster, and deploy the functions again.");
            }

            return found.Generation == watched.Joined.Generation
                ? (StoreState.Ok, null)
                : (StoreState.Lost, $"The store now holds {found}, not {watched.Joined}, which this node joined: restart this node to join the new cluster.");
        }
        catch (TimeoutException)
        {
            await attempt.CancelAsync();
            return (StoreState.Down, $"no answer within {_options.ProbeTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (StoreState.Down, ex.Message);
        }
    }

    private void Record(StoreState state, string? error, DateTimeOffset now)
    {
        var previous = Current;
        var changed = previous.Status != state;
        Volatile.Write(ref _current, previous with { Status = state, LastError = error, Since = changed ? now : previous.Since, CheckedAt = now });
        if (!changed)
        {
            return;
        }

        switch (state)
        {
            case StoreState.Down:
                Log.StoreDown(_logger, previous.Backend, error ?? "");
                break;
            case StoreState.Lost:
                Log.StoreLost(_logger, previous.Backend, error ?? "");
                break;
            case StoreState.Ok when previous.Status is StoreState.Down or StoreState.Lost:
                Log.StoreBack(_logger, previous.Backend, (now - previous.Since.GetValueOrDefault(now)).TotalSeconds);
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "The {Backend} store is down: {Error}. The node keeps serving; deploys and usage writes fail until it is back")]
        public static partial void StoreDown(ILogger logger, string backend, string error);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "The {Backend} store is back after {Seconds:F1} s")]
        public static partial void StoreBack(ILogger logger, string backend, double seconds);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "The {Backend} store lost this cluster: {Error}")]
        public static partial void StoreLost(ILogger logger, string backend, string error);
    }
}
