using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Hosting;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real embedded Stoke node: one Orleans silo with localhost clustering, Kestrel on a loopback port, state in a
/// temporary data folder. Restartable on the same folder to test persistence.
/// </summary>
public sealed class EmbeddedStoke : IAsyncDisposable
{
    private readonly Action<StokeNodeOptions>? _node;
    private readonly Action<GatewayOptions>? _gateway;
    private readonly Action<IServiceCollection>? _services;
    private IHost? _host;

    /// <summary>Command-line style settings of the node's host (<c>--KEY=value</c>), read as configuration.</summary>
    public string[] Args { get; init; } = [];

    private EmbeddedStoke(string dataDirectory, Action<StokeNodeOptions>? node, Action<GatewayOptions>? gateway, Action<IServiceCollection>? services)
    {
        DataDirectory = dataDirectory;
        _node = node;
        _gateway = gateway;
        _services = services;
    }

    public string DataDirectory { get; }

    public Uri Address { get; private set; } = null!;

    public IServiceProvider Services => _host!.Services;

    /// <param name="services">Extra services of the node's host (engines, logger providers).</param>
    /// <param name="args">Host settings, as <c>stoke serve</c> would get them from its command line or environment.</param>
    public static async Task<EmbeddedStoke> StartAsync(
        Action<StokeNodeOptions>? node = null, Action<GatewayOptions>? gateway = null, string? dataDirectory = null, Action<IServiceCollection>? services = null,
        string[]? args = null)
    {
        var stoke = new EmbeddedStoke(dataDirectory ?? Path.Combine(Path.GetTempPath(), "stoke-test-" + Guid.NewGuid().ToString("N")[..8]), node, gateway, services)
        {
            Args = args ?? [],
        };
        await stoke.StartHostAsync();
        return stoke;
    }

    public StokeClient Client(string? apiKey = null) => new(Address, apiKey);

    /// <summary>A node serving two tenants, <c>a</c> and <c>b</c>, each with its own API key.</summary>
    public static Task<EmbeddedStoke> WithTenantsAsync(string keyA, string keyB) => StartAsync(gateway: g => g.ApiKeys =
    [
        new ApiKeyOptions { Key = keyA, Tenant = "a" },
        new ApiKeyOptions { Key = keyB, Tenant = "b" },
    ]);

    /// <summary>Stops the node and starts a new one on the same data folder, doing <paramref name="whileStopped"/> in between.</summary>
    public Task RestartAsync(Action? whileStopped = null) => RestartAsync(() =>
    {
        whileStopped?.Invoke();
        return Task.CompletedTask;
    });

    /// <summary>Stops the node and starts a new one on the same data folder, awaiting <paramref name="whileStopped"/> in between.</summary>
    public async Task RestartAsync(Func<Task> whileStopped)
    {
        await StopHostAsync();
        await whileStopped();
        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        _host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = DataDirectory,
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
            ClusterId = "test-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o =>
            {
                o.ControlInterval = TimeSpan.FromMilliseconds(250);
                _node?.Invoke(o);
            },
            ConfigureGateway = _gateway,
            ConfigureServices = _services,
        }, Args);
        await _host.StartAsync();
        Address = _host.Services.GetRequiredService<GatewayServer>().Address!;
    }

    private async Task StopHostAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
            _host = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One shared node for the tests that do not need their own configuration.</summary>
public sealed class SharedStoke : IAsyncLifetime
{
    public EmbeddedStoke Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 4 << 20);

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>Polls a condition on a real server (no fake clock can drive Kestrel and ONNX Runtime), within a bound.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        var until = DateTime.UtcNow + within;
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < until);

        throw new Xunit.Sdk.XunitException($"Timed out after {within.TotalSeconds} s waiting for {what}; last value: {last}");
    }
}
