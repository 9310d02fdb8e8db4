using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Storage;

/// <summary>
/// How a state write or read that failed because the cluster's store cannot be reached right now (Redis or PostgreSQL
/// stopped, restarting, or still loading its data) is answered: 503 with this <c>Retry-After</c>, about one store probe,
/// instead of a 500 naming the client library's exception.
/// </summary>
public static class StoreUnavailable
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Wraps the grain storage registered as <paramref name="name"/> (by the backend's <c>Add...GrainStorage</c>,
    /// which must come first) so that a failure <paramref name="isUnavailable"/> recognises becomes a
    /// <see cref="StokeException"/> of kind <see cref="StokeErrorKind.Overloaded"/>. ETag conflicts
    /// (<see cref="InconsistentStateException"/>) and every other failure pass through unchanged.
    /// </summary>
    /// <param name="where">The store as an operator names it: "redis at 10.0.0.5:6379".</param>
    public static void Decorate(IServiceCollection services, string name, string where, Func<Exception, bool> isUnavailable)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name))
            ?? throw new InvalidOperationException($"No grain storage named '{name}' is registered to decorate.");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new StoreUnavailableGrainStorage(Create(registered, sp, key), where, isUnavailable));
    }

    /// <summary>True when <paramref name="exception"/> or one it wraps satisfies <paramref name="test"/>.</summary>
    public static bool AnyInChain(Exception exception, Func<Exception, bool> test)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (test(e) || (e is AggregateException aggregate && aggregate.InnerExceptions.Any(i => AnyInChain(i, test))))
            {
                return true;
            }
        }

        return false;
    }

    private static IGrainStorage Create(ServiceDescriptor registered, IServiceProvider services, object? key) => (IGrainStorage)(
        registered.KeyedImplementationInstance
        ?? registered.KeyedImplementationFactory?.Invoke(services, key)
        ?? ActivatorUtilities.CreateInstance(services, registered.KeyedImplementationType!));
}

/// <summary>The decorator <see cref="StoreUnavailable.Decorate"/> registers; it also forwards the inner storage's lifecycle.</summary>
internal sealed class StoreUnavailableGrainStorage(IGrainStorage inner, string where, Func<Exception, bool> isUnavailable)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        GuardAsync(() => inner.ReadStateAsync(stateName, grainId, grainState), "read", stateName, grainId);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        GuardAsync(() => inner.WriteStateAsync(stateName, grainId, grainState), "saved", stateName, grainId);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        GuardAsync(() => inner.ClearStateAsync(stateName, grainId, grainState), "cleared", stateName, grainId);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    private async Task GuardAsync(Func<Task> operation, string verb, string stateName, GrainId grainId)
    {
        try
        {
            await operation();
        }
        catch (Exception ex) when (ex is not InconsistentStateException && isUnavailable(ex))
        {
            throw new StokeException(
                StokeErrorKind.Overloaded,
                $"The cluster's state store ({where}) cannot be reached right now: {stateName} of {grainId} was not {verb} ({Cause(ex)}). " +
                "The node keeps serving deployed functions; retry shortly.",
                StoreUnavailable.RetryAfter);
        }
    }

    // The innermost message says what happened (connection refused, timeout); the wrappers only say where. A client
    // exception flattened into a wrapper's message ("... RedisConnectionException: No connection ...; details") is cut
    // to what it says.
    private static string Cause(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        var message = e.Message.Split('\n')[0].Trim();
        var flattened = message.LastIndexOf("Exception: ", StringComparison.Ordinal);
        if (flattened >= 0)
        {
            message = message[(flattened + "Exception: ".Length)..].Split(';')[0].Trim();
        }

        return message.Length > 200 ? message[..200] + "..." : message;
    }
}
