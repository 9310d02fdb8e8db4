using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using StackExchange.Redis;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Storage;

namespace Stoke.Gateway.Clustering;

/// <summary>Redis as the cluster's store: Orleans membership and the <c>stoke</c> grain storage, probed with PING.</summary>
public static class RedisStore
{
    public const string Backend = "redis";

    /// <summary>How long the start check waits to connect.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static void Use(ISiloBuilder silo, string connectionString)
    {
        var options = Parse(connectionString);
        silo.UseRedisClustering(o => o.ConfigurationOptions = options.Clone());
        // While Redis is away a state write fails at once instead of waiting in the client's backlog for its timeout:
        // the grain that made it (a registry, a controller) is not held that long, and the caller gets its 503 soon.
        silo.AddRedisGrainStorage(StokeStorage.Name, o =>
        {
            o.ConfigurationOptions = options.Clone();
            o.ConfigurationOptions.BacklogPolicy = BacklogPolicy.FailFast;
        });
        StoreUnavailable.Decorate(silo.Services, StokeStorage.Name, $"{Backend} at {Servers(options)}", IsUnavailable);
        silo.Services.AddSingleton<IStoreProbe>(new RedisStoreProbe(options));
        silo.Services.AddSingleton<IHostedService>(new StoreStartCheck(ct => CheckAsync(options, ct)));
    }

    /// <summary>Parses a StackExchange.Redis configuration string ("host:port,password=..."), naming what is wrong.</summary>
    public static ConfigurationOptions Parse(string connectionString)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            return options.EndPoints.Count > 0
                ? options
                : throw new ClusterStoreException($"The Redis connection string '{connectionString}' names no server (expected host:port[,option=value...]).");
        }
        catch (ArgumentException ex)
        {
            throw new ClusterStoreException($"The Redis connection string '{connectionString}' is not valid: {ex.Message}", ex);
        }
    }

    /// <summary>Connects once and PINGs, so an unreachable server fails the start with its address.</summary>
    public static async Task CheckAsync(ConfigurationOptions options, CancellationToken cancellationToken)
    {
        var probe = options.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        probe.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe);
            await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException ex)
        {
            // The client's own message advises abortConnect=false, which is not the operator's fix here.
            var cause = ex.InnerException?.Message ?? ex.FailureType.ToString();
            throw new ClusterStoreException($"Cannot reach Redis at {Servers(options)}: {cause}. Is redis-server running there, and is the connection string right?", ex);
        }
        catch (RedisException ex)
        {
            throw new ClusterStoreException($"Redis at {Servers(options)} refused the start check: {FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>
    /// The server cannot be reached, timed out, or is still loading its data after a restart (<c>LOADING</c>). Orleans'
    /// Redis storage flattens the client's exception into the message of its <c>RedisStorageException</c>, without an
    /// inner exception, so that one is recognised by the client exception it names.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => StoreUnavailable.AnyInChain(exception, e =>
        e is RedisConnectionException or RedisTimeoutException or TimeoutException or System.Net.Sockets.SocketException
        || (e is RedisServerException && IsStarting(e.Message))
        || (e.GetType().Name == "RedisStorageException" && (e.Message.Contains(nameof(RedisConnectionException), StringComparison.Ordinal)
            || e.Message.Contains(nameof(RedisTimeoutException), StringComparison.Ordinal) || IsStarting(e.Message))));

    private static bool IsStarting(string message) =>
        message.Contains("LOADING Redis is loading", StringComparison.Ordinal) || message.Contains("MASTERDOWN", StringComparison.Ordinal);

    internal static string Servers(ConfigurationOptions options) => string.Join(", ", options.EndPoints.Select(e => e.ToString()));

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

/// <summary>PING over the probe's own connection, failing fast while Redis is away (no command backlog).</summary>
public sealed class RedisStoreProbe(ConfigurationOptions configured) : IStoreProbe, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public string Backend => RedisStore.Backend;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        if (!connection.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"no connection to {RedisStore.Servers(configured)}");
        }

        await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var options = configured.Clone();
                options.AbortOnConnectFail = false;
                options.BacklogPolicy = BacklogPolicy.FailFast;
                _connection = await ConnectionMultiplexer.ConnectAsync(options);
            }

            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }
}
