using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Control.Controller;
using Stoke.Control.Routing;
using Stoke.Simulator.Results;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Engine;

// Requests: the gateway's warm path or the controller at an arrival, instances becoming ready, and completions.
internal sealed partial class Simulation
{
    // The gateway: meter the arrival, take the warm path when an instance has a free slot, else ask the controller.
    private void OnArrival(in TraceRequest trace)
    {
        var now = _clock.NowTicks;
        var f = GetFunction(trace.Function);
        HandInQuietTicks(f);
        f.Requests++;
        f.LastArrivalTicks = now;
        f.WakeVersion++;
        f.Meter.Arrive();
        if (f.Ready.Count == 0)
        {
            f.ColdStarts++;
        }

        var request = new SimRequest(now, Math.Max(0, trace.ExecutionTime.Ticks));
        var candidates = Candidates(f);
        var routing = new RoutingContext(null, null, _routingRandom);
        var pick = Router.Pick(f.Routing, candidates, _slots, routing);
        if (pick >= 0)
        {
            StartRequest(f.Ready[pick], request);
        }
        else
        {
            var admission = f.Controller.Admit(request, Now + TimeSpan.FromTicks(_deadlineTicks), routing, candidates);
            if (admission.Kind == AdmissionKind.Routed)
            {
                StartRequest(f.Instance(admission.Assignment.InstanceId), request);
            }
            else if (admission.Kind == AdmissionKind.Refused)
            {
                f.Failed++;
                f.Meter.Leave();
            }
        }

        if (!f.Ticking)
        {
            f.Ticking = true;
            _events.ScheduleTick(now, f);
        }
    }

    // The ready set with each instance's exact load (a node knows its own instances exactly).
    private ReadOnlySpan<RouteCandidate> Candidates(SimFunction f)
    {
        if (_candidates.Length < f.Ready.Count)
        {
            _candidates = new RouteCandidate[f.Ready.Count * 2];
        }

        for (var i = 0; i < f.Ready.Count; i++)
        {
            var instance = f.Ready[i];
            _candidates[i] = new RouteCandidate(instance.Id, instance.Node.Id, instance.InFlight);
        }

        return _candidates.AsSpan(0, f.Ready.Count);
    }

    private void OnLoadDone(SimInstance instance)
    {
        if (instance.Gone)
        {
            return;
        }

        var now = _clock.NowTicks;
        instance.BecomeReady();
        instance.IdleSinceTicks = now;
        instance.LastUsedTicks = now;
        instance.Function.Controller.InstanceReady(instance.Id, new ColdStartReport(instance.Tier, 0, instance.LoadTime.TotalMilliseconds, 0));
    }

    internal void Record(SimFunction f, in ControlEvent e) =>
        _decisions?.Add(new DecisionEvent(e.At, f.Name, e.Kind, e.InstanceId ?? "", e.Target, e.Detail));

    private void OnCompletion(in SimEvent e)
    {
        var now = _clock.NowTicks;
        var instance = e.Instance!;
        var f = e.Function;
        instance.End();
        f.Running--;
        f.Meter.Leave();
        instance.LastUsedTicks = now;
        var latency = now - e.Stamp;
        f.Latency.Add(latency / (double)TimeSpan.TicksPerMillisecond);
        f.Completed++;
        _requests?.Add(new RequestRecord(f.Name, At(e.Stamp), instance.Id, At(e.StartedTicks), Now));
        if (_options.Slo is { } slo && latency <= slo.Ticks)
        {
            f.SloMet++;
        }

        if (instance.InFlight == 0)
        {
            instance.IdleSinceTicks = now;
        }

        if (f.Holding)
        {
            // The instance's node tells the controller a slot freed while it holds requests.
            f.Controller.SlotFreed(instance.Id, instance.InFlight);
        }
    }

    internal void StartRequest(SimInstance instance, in SimRequest request)
    {
        var now = _clock.NowTicks;
        var f = instance.Function;
        if (instance.InFlight == 0)
        {
            f.IdleSeconds += (now - instance.IdleSinceTicks) / TicksPerSecond;
        }

        instance.Begin();
        f.Running++;
        instance.LastUsedTicks = now;
        instance.Uses++;
        instance.Node.Eviction.OnUse(instance.ToCandidate(_instanceBytes), Now);
        Schedule(now + request.ExecTicks, new SimEvent(SimEventKind.Completion, f, instance, request.ArrivalTicks, now));
    }
}
