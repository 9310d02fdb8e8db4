using Stoke.Control.Controller;

namespace Stoke.Simulator.Engine;

// Each function's control loop: a tick hands the metered load to the controller; the loop keeps ticking while the
// function is busy (or, as the server does, until the controller says it may stop).
internal sealed partial class Simulation
{
    private void OnTick(SimFunction f)
    {
        f.Ticking = false;
        AfterControl(f, Control(f));
    }

    private TickOutcome Control(SimFunction f)
    {
        var interval = f.Meter.Cut();
        var load = new LoadSample(interval.AverageConcurrency, interval.InFlight, interval.Arrivals, interval.FirstArrival, interval.LastArrival, f.InstanceLoads());
        var outcome = f.Controller.Tick(load);
        f.LastDecision = outcome.Decision;
        return outcome;
    }

    // Keeps ticking while the function is busy; otherwise sleeps until its next keep-alive boundary.
    private void AfterControl(SimFunction f, in TickOutcome outcome)
    {
        var now = _clock.NowTicks;
        if (_options.ServerControlLoop)
        {
            // As the server's controller grain: the loop runs until the controller says it may stop, and wakes again
            // when the controller asks to (a pre-warm).
            if (outcome.KeepTicking)
            {
                f.Ticking = true;
                _events.ScheduleTick(now, f);
            }
            else if (outcome.WakeAt is { } wakeAt)
            {
                f.Ticking = true;
                Schedule(wakeAt.UtcTicks, new SimEvent(SimEventKind.Tick, f, null, 0));
            }

            return;
        }

        var decision = outcome.Decision;
        var loading = f.Instances.Count - f.Ready.Count;
        var active = f.Running > 0 || f.Controller.HeldCount > 0 || loading > 0
            || (decision.Scale.DesiredInstances > f.Spec.Scaling.MinInstances && now - f.LastArrivalTicks < _quietTicks);
        if (active)
        {
            f.Ticking = true;
            _events.ScheduleTick(now, f);
            return;
        }

        var window = decision.KeepAlive;
        var prewarmAt = f.LastArrivalTicks + window.PrewarmAfter.Ticks;
        var expireAt = prewarmAt + window.KeepAlive.Ticks;
        var wake = prewarmAt > now ? prewarmAt : expireAt > now ? expireAt : long.MaxValue;
        if (wake != long.MaxValue && f.LastArrivalTicks > 0)
        {
            f.WakeVersion++;
            Schedule(wake, new SimEvent(SimEventKind.Wake, f, null, f.WakeVersion));
        }
    }
}
