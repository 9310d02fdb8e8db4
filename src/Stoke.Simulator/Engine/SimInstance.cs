using Stoke.Abstractions.Policies;

namespace Stoke.Simulator.Engine;

/// <summary>One simulated instance: loading until its load completes, then ready, then gone.</summary>
internal sealed class SimInstance(string id, SimFunction function, SimNode node, long createdTicks, TimeSpan loadTime, string tier, long ordinal)
{
    public string Id { get; } = id;

    public SimFunction Function { get; } = function;

    public SimNode Node { get; } = node;

    public long CreatedTicks { get; } = createdTicks;

    public TimeSpan LoadTime { get; } = loadTime;

    /// <summary>The artifact tier the load came from, as the node would report it.</summary>
    public string Tier { get; } = tier;

    /// <summary>Order of the instance's start in the whole replay (ties between events of one instant follow it).</summary>
    public long Ordinal { get; } = ordinal;

    /// <summary>Its place in its node's list while it is on the node.</summary>
    public LinkedListNode<SimInstance>? NodeEntry { get; set; }

    public bool Ready { get; private set; }

    public bool Gone { get; private set; }

    public int InFlight { get; private set; }

    // What the instance's node reports of it changes: the function's next load report includes it.
    public long LastUsedTicks
    {
        get;
        set
        {
            field = value;
            Function.LoadsChanged = true;
        }
    } = createdTicks;

    /// <summary>When the instance last became idle (ready, nothing in flight); meaningful while idle.</summary>
    public long IdleSinceTicks { get; set; }

    public long Uses
    {
        get;
        set
        {
            field = value;
            Function.LoadsChanged = true;
        }
    }

    public bool Idle => Ready && !Gone && InFlight == 0;

    // Every change of Idle goes through these, so that the node's count of idle instances stays exact.
    public void BecomeReady()
    {
        var wasIdle = Idle;
        Ready = true;
        Changed(wasIdle);
    }

    public void Begin()
    {
        var wasIdle = Idle;
        InFlight++;
        Changed(wasIdle);
    }

    public void End()
    {
        var wasIdle = Idle;
        InFlight--;
        Changed(wasIdle);
    }

    public void BeGone()
    {
        var wasIdle = Idle;
        Gone = true;
        Changed(wasIdle);
    }

    private void Changed(bool wasIdle)
    {
        Function.LoadsChanged = true;
        if (Idle != wasIdle)
        {
            Node.IdleChanged(Idle ? 1 : -1);
        }
    }

    public EvictionCandidate ToCandidate(long memoryBytes) =>
        new(Id, Function.Name, memoryBytes, new DateTimeOffset(LastUsedTicks, TimeSpan.Zero), Uses, LoadTime);
}
