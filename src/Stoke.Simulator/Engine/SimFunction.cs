using Stoke.Abstractions.Functions;
using Stoke.Policies.Control;
using Stoke.Simulator.Results;

namespace Stoke.Simulator.Engine;

/// <summary>A function's live state in the replay: its controller, instances, held requests and counters.</summary>
internal sealed class SimFunction(string name, FunctionSpec spec, InstanceCountController controller)
{
    public string Name { get; } = name;

    public FunctionSpec Spec { get; } = spec;

    public InstanceCountController Controller { get; } = controller;

    public List<SimInstance> Instances { get; } = [];

    /// <summary>Requests the activator holds: arrival time, service time, and whether it was a cold start.</summary>
    public Queue<(long ArrivalTicks, long ExecTicks, bool Cold)> Held { get; } = new();

    public int Running { get; set; }

    public long ArrivalsSinceTick { get; set; }

    public long LastArrivalTicks { get; set; }

    // Time-weighted integral of (running + held), for the tick's average concurrency.
    public double LoadIntegral { get; set; }

    public long LoadChangedTicks { get; set; }

    public long LastTickTicks { get; set; }

    public bool Ticking { get; set; }

    /// <summary>Bumped by every arrival and tick so stale keep-alive wake-ups are ignored.</summary>
    public long WakeVersion { get; set; }

    public int NextInstanceNumber { get; set; }

    /// <summary>Consecutive ticks with no instance and nothing in flight or held (server control loop).</summary>
    public int IdleTicks { get; set; }

    /// <summary>The previous tick's decision, so the decision log records only changes (as the server does).</summary>
    public ControlDecision? LastDecision { get; set; }

    // Counters for the report.
    public LatencyHistogram Latency { get; } = new();

    public long Requests { get; set; }

    public long Completed { get; set; }

    public long Failed { get; set; }

    public long ColdStarts { get; set; }

    public long SloMet { get; set; }

    public double InstanceSeconds { get; set; }

    public double IdleSeconds { get; set; }

    public long InstanceStarts { get; set; }

    public long Evictions { get; set; }

    public int ReadyCount
    {
        get
        {
            var n = 0;
            foreach (var i in Instances)
            {
                n += i.Ready ? 1 : 0;
            }

            return n;
        }
    }

    public void NoteLoad(long nowTicks)
    {
        LoadIntegral += (double)(Running + Held.Count) * (nowTicks - LoadChangedTicks);
        LoadChangedTicks = nowTicks;
    }
}
