using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Stoke.Gateway.Hosting;

/// <summary>
/// A Kestrel app a node runs beside its silo (the REST gateway, the gRPC one): built and started by the subclass,
/// stopped and disposed with the silo's host.
/// </summary>
public abstract class HostedWebApp : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address Kestrel bound (with the real port when the configured one was 0).</summary>
    public Uri? Address { get; private set; }

    /// <summary>The app's own container (the gateway's singletons: its directory, its quotas); null before the start.</summary>
    public IServiceProvider? Services => _app?.Services;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the built app and returns the address it bound.</summary>
    protected async Task<Uri> RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        _app = app;
        await app.StartAsync(cancellationToken);
        Address = BoundAddress.Of(app);
        return Address;
    }
}
