namespace Stoke.Simulator.Engine;

/// <summary>Kinds of scheduled events; arrivals come from the trace stream, not the queue.</summary>
internal enum SimEventKind : byte
{
    LoadDone,
    StartFailed,
    Completion,
    Tick,
    Wake,
}

/// <summary>
/// A scheduled event; <see cref="Stamp"/> carries a request's arrival time or a wake-up's version, and
/// <see cref="StartedTicks"/> when a completing request started on its instance.
/// </summary>
internal readonly record struct SimEvent(SimEventKind Kind, SimFunction Function, SimInstance? Instance, long Stamp, long StartedTicks = 0);
