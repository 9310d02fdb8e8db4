using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Tracing;

namespace Stoke.Runtime.Invocation;

// Routing with failover: the warm path when this node's table names a free instance, the controller otherwise; an
// instance that is gone, or a node that cannot be reached, is dropped and the request tried again elsewhere.
public sealed partial class FunctionInvoker
{
    private static readonly TimeSpan ControllerRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>When a request lost its instance on every attempt, how long its client is told to wait before a retry.</summary>
    public static readonly TimeSpan LostRetryAfter = TimeSpan.FromSeconds(1);

    private async Task<(T Result, Route Route)> CallAsync<T>(
        FunctionSpec spec, InvocationOptions options, Func<string, string, Task<T>> call, CancellationToken cancellationToken, bool keepRoute = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var route = await RouteAsync(spec, options, cancellationToken);
            var done = !keepRoute;
            try
            {
                Task<T> pending;
                try
                {
                    pending = call(route.InstanceId, route.NodeId);
                }
                finally
                {
                    // A local instance counts the request before the call returns its task: the route stops counting it.
                    route.Counted?.Entered();
                }

                var result = await pending;
                return (result, route with { Attempts = attempt });
            }
            catch (Exception ex) when (IsLoss(ex, route, cancellationToken))
            {
                done = true;
                if (ex is not InstanceGoneException)
                {
                    // Its node died or cannot be reached: routing stops sending there now, ahead of Orleans' membership vote.
                    cluster.Suspect(route.NodeId, ex.GetType().Name);
                }

                Lost(spec, route, ex is InstanceGoneException ? "gone when a request reached it" : $"its node {route.NodeId} could not be reached ({ex.GetType().Name})");
                if (attempt == MaxAttempts)
                {
                    // Every attempt lost its instance: the client may retry (503 with Retry-After, counted as
                    // instance_lost or node_unreachable), rather than get a bare 500.
                    throw new StokeException(StokeErrorKind.Overloaded,
                        $"'{spec.Name}' lost its instance on each of {MaxAttempts} attempts (stopped, evicted or its node gone); retry after {LostRetryAfter.TotalSeconds:0} s.",
                        LostRetryAfter, ex);
                }
            }
            catch
            {
                done = true;
                throw;
            }
            finally
            {
                if (done)
                {
                    route.Counted?.Done();
                }
            }

            metrics.RecordRetry(spec);
        }
    }

    // An instance that was gone when the request reached it, or a remote node that could not be reached.
    private bool IsLoss(Exception ex, Route route, CancellationToken cancellationToken) =>
        ex is InstanceGoneException || (route.NodeId != node.NodeId && !cancellationToken.IsCancellationRequested && Failures.IsTransport(ex));

    private async Task<Route> RouteAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken)
    {
        var routing = new RoutingContext(node.NodeId, options.AffinityKey, Random.Shared);
        if (router.TryRoute(spec, routing) is { } direct)
        {
            metrics.RecordRoute(spec, direct: true);
            return new Route(direct.InstanceId, direct.NodeId, 0, null, direct, ViaController: false);
        }

        metrics.RecordRoute(spec, direct: false);
        using var activity = RuntimeTracing.Start(RuntimeTracing.Admit, spec, System.Diagnostics.ActivityKind.Client);
        var reply = await AdmitAsync(spec, options, cancellationToken);
        activity?.SetTag(RuntimeTracing.InstanceId, reply.InstanceId).SetTag(RuntimeTracing.NodeId, reply.NodeId)
            .SetTag(RuntimeTracing.Tier, reply.ColdStartTier).SetTag("stoke.held_ms", reply.HeldMs);
        router.Update(reply.Routes);
        // A request the controller sent to a local instance takes its slot in this node's table at once, as a warm-path
        // pick does, so a warm-path request arriving meanwhile does not take the same slot.
        return new Route(reply.InstanceId, reply.NodeId, reply.HeldMs, reply.ColdStartTier, router.Claim(spec, reply.InstanceId), ViaController: true);
    }

    // The controller's node may die under the call: Orleans moves the controller once the membership agrees it is dead,
    // so a transport failure is retried (after a short pause) until the request's deadline.
    private async Task<AdmitReply> AdmitAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken)
    {
        var controller = grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(spec));
        while (true)
        {
            try
            {
                return await controller.Admit(new AdmitRequest(options.Deadline, node.NodeId, options.AffinityKey, router.Observed(spec)), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Failures.IsTransport(ex) && time.GetUtcNow() + ControllerRetryDelay < options.Deadline)
            {
                Log.ControllerUnreachable(logger, spec.Key, spec.Version, ex.GetType().Name);
                await Task.Delay(ControllerRetryDelay, time, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Failures.IsTransport(ex))
            {
                throw new StokeException(
                    StokeErrorKind.DeadlineExceeded,
                    $"Deadline expired while the controller of {spec.Name} v{spec.Version} could not be reached ({ex.GetType().Name}).");
            }
        }
    }

    private void Lost(FunctionSpec spec, Route route, string reason)
    {
        router.Lost(spec, route.InstanceId);
        _ = TellControllerAsync(spec, route.InstanceId, reason);
    }

    private async Task TellControllerAsync(FunctionSpec spec, string instanceId, string reason)
    {
        try
        {
            await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(spec)).InstanceLost(instanceId, reason);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The controller's own tick notices the loss too (the instance's node stops reporting it).
            Log.ControllerUnreachable(logger, spec.Key, spec.Version, ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "The controller of {Function} v{Version} could not be reached ({Reason}); retrying")]
        public static partial void ControllerUnreachable(ILogger logger, string function, int version, string reason);
    }
}

/// <summary>
/// Where a request runs: picked by the warm path, or assigned by the controller. <see cref="Counted"/> is its count in
/// this node's table (every warm-path pick; a controller's assignment to a local instance), null otherwise.
/// </summary>
internal sealed record Route(string InstanceId, string NodeId, double HeldMs, string? ColdStartTier, DirectRoute? Counted, bool ViaController)
{
    /// <summary>Instances tried, this one included (more than one when a lost instance was retried).</summary>
    public int Attempts { get; init; } = 1;
}
