using Stoke.Control.Controller;

namespace Stoke.Simulator.Engine;

// Each function's control loop: a tick hands the metered load to the controller; the loop keeps ticking while the
// function is busy (or, as the server does, until the controller says it may stop).
internal sealed partial class Simulation
{
    private void OnTick(SimFunction f)
    {
        if (f.QuietLeft > 0)
        {
            // A tick the controller said would decide what the last one did: it keeps its place among the others.
            f.QuietLeft--;
            f.QuietSkipped++;
            _events.ScheduleTick(_clock.NowTicks, f);
            return;
        }

        HandInQuietTicks(f);
        f.Ticking = false;
        AfterControl(f, Control(f));
    }

    // Before anything else reaches a function's controller or meter, they take in the ticks skipped so far, and the
    // next tick is a real one.
    internal void HandInQuietTicks(SimFunction f)
    {
        f.QuietLeft = 0;
        if (f.QuietSkipped == 0)
        {
            return;
        }

        f.Controller.SkipQuietTicks(At(f.QuietFrom), TimeSpan.FromTicks(_tickTicks), f.QuietSkipped);
        f.Meter.RestartAt(f.QuietFrom + (f.QuietSkipped * _tickTicks));
        f.QuietSkipped = 0;
    }

    // A busy-looking function with nothing in flight (its autoscaler's window still remembers the last load) skips the
    // ticks that would decide the same; the controller says how many, and the results are those of ticking them.
    private void SkipQuietTicks(SimFunction f, long now)
    {
        if (f.Running > 0 || f.Meter.InFlight > 0 || f.LoadsChanged || f.Instances.Count != f.Ready.Count)
        {
            return;
        }

        // The function stays active only while within _quietTicks of its last arrival: the tick after that is real.
        var left = _quietTicks - (now - f.LastArrivalTicks);
        var max = left <= 0 ? 0 : (int)Math.Min(1 << 20, (left - 1) / _tickTicks);
        f.QuietFrom = now;
        f.QuietSkipped = 0;
        f.QuietLeft = f.Controller.QuietTicks(TimeSpan.FromTicks(_tickTicks), max);
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
            if (_options.SkipQuietTicks)
            {
                SkipQuietTicks(f, now);
            }

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
