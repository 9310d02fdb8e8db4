using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Grains;

// A call can reach a function version after it was deleted: a node's late slot or eviction notice, a tick its timer
// queued as the version retired, a status read racing the delete. Such a call activates the grain again. It must not
// fail the activation (Orleans logs that as an error): the activation stays empty, answers "does not exist" to a
// call that wants an answer, ignores a notice, writes nothing, and goes away when idle.
internal sealed partial class FunctionGrain : IIncomingGrainCallFilter
{
    private static readonly HashSet<string> Notices = new(StringComparer.Ordinal)
    {
        nameof(IFunctionGrain.SlotFreed),
        nameof(IFunctionGrain.InstanceLost),
        nameof(IFunctionGrain.InstanceEvicted),
        nameof(IFunctionGrain.Tick),
        nameof(IFunctionGrain.Retire),
    };

    private StokeException? _missing; // set when the activation found no spec for its version

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (_missing is null)
        {
            return context.Invoke();
        }

        DeactivateOnIdle();
        if (!Notices.Contains(context.InterfaceMethod.Name))
        {
            return Task.FromException(_missing);
        }

        context.Result = null; // answered without the method: Orleans takes a call with no result as a broken chain
        return Task.CompletedTask;
    }
}
