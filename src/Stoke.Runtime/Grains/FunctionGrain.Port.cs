using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Controller;
using Stoke.Runtime.Invocation;

namespace Stoke.Runtime.Grains;

// The controller's port in the server: grain calls to nodes. Every call is started from the grain's turn and its
// outcome is fed back to the controller on a later turn (never inside the controller's own call).
internal sealed partial class FunctionGrain
{
    private sealed class Port(FunctionGrain grain) : IControllerPort<TaskCompletionSource<Assignment>>
    {
        public IReadOnlyList<NodeView> Nodes() => grain.NodeViews();

        public bool IsReachable(string nodeId) => !grain.IsUnreachable(nodeId);

        public string NewInstanceId() => $"{grain._spec.Name}-v{grain._spec.Version}-{Guid.NewGuid().ToString("N")[..8]}";

        public void StartInstance(string instanceId, string nodeId) => _ = grain.StartAsync(instanceId, nodeId);

        public void StopInstance(string instanceId, string nodeId, string reason) => _ = grain.StopAsync(instanceId, nodeId, reason);

        public void Dispatch(TaskCompletionSource<Assignment> request, in Assignment assignment) => request.TrySetResult(assignment);

        public void Refuse(TaskCompletionSource<Assignment> request, StokeException error) => request.TrySetException(error);

        public void PublishRoutes(RouteTable routes) => grain.Publish(routes);
    }

    private List<NodeView> NodeViews() => cluster.NodeViews();

    private bool IsUnreachable(string nodeId) => cluster.IsUnreachable(nodeId);

    private async Task StartAsync(string instanceId, string nodeId)
    {
        await Task.Yield();
        try
        {
            var report = nodeId == localNode.NodeId
                ? await localNode.StartInstanceAsync(_spec, instanceId, CancellationToken.None)
                : await grains.GetGrain<INodeGrain>(nodeId).StartInstance(_spec, instanceId);
            if (_controller.Retired)
            {
                await StopAsync(instanceId, nodeId, "not needed any more: the function was deleted");
                return;
            }

            _controller.InstanceReady(instanceId, report);
        }
        catch (InstanceGoneException)
        {
            // This controller stopped it while it loaded (scaled in, or the function deleted): the node freed it.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.StartFailed(logger, instanceId, ex.Message, ex);
            if (Failures.IsTransport(ex))
            {
                cluster.Suspect(nodeId, "start failed: " + ex.GetType().Name);
            }

            // An artifact that cannot load fails the held requests now instead of letting them run into their deadlines.
            var permanent = ex is StokeException { Kind: StokeErrorKind.Internal or StokeErrorKind.BadRequest } or InvalidDataException;
            _controller.InstanceStartFailed(instanceId, ex.Message, permanent);
        }
    }

    private async Task StopAsync(string instanceId, string nodeId, string reason)
    {
        await Task.Yield();
        try
        {
            if (nodeId == localNode.NodeId)
            {
                await localNode.StopInstanceAsync(instanceId, reason);
            }
            else
            {
                await grains.GetGrain<INodeGrain>(nodeId).StopInstance(instanceId, reason);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.StopFailed(logger, instanceId, ex.Message);
        }
        finally
        {
            _controller.InstanceStopped(instanceId);
        }
    }

    // The local router takes the table at once; other reachable nodes get it one-way (each tick's pull repairs a loss).
    private void Publish(RouteTable routes)
    {
        localRouter.Update(routes);
        foreach (var node in cluster.ReachableNodes())
        {
            if (node != localNode.NodeId)
            {
                _ = PublishToAsync(node, routes);
            }
        }
    }

    private async Task PublishToAsync(string node, RouteTable routes)
    {
        try
        {
            await grains.GetGrain<INodeGrain>(node).PublishRoutes(routes);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.PublishFailed(logger, _spec.Key, node, ex.Message);
        }
    }
}
