using Microsoft.Extensions.Hosting;

namespace Stoke.Gateway.Clustering;

/// <summary>
/// Checks the cluster's store before anything else starts (it runs in <see cref="IHostedLifecycleService.StartingAsync"/>,
/// ahead of the silo), so a bad connection string, an unreachable server or a schema it cannot apply fails the start with
/// one message instead of a provider's stack trace at the first membership write.
/// </summary>
internal sealed class StoreStartCheck(Func<CancellationToken, Task> check) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => check(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
