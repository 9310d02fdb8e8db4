using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies.Control;

namespace Stoke.Control.Controller;

/// <summary>
/// A candidate autoscaler and keep-alive run beside the live ones on the same signals, deciding nothing: an
/// operator tries a policy on real traffic before switching to it. The shadow keeps a virtual fleet (an instance it
/// starts is ready one measured load time later, one it releases is gone at once) and is fed each tick what the live
/// controller is fed, with its own fleet as the instances. Cold arrivals are counted per tick: the requests of a tick
/// at whose start a fleet had no ready instance.
/// </summary>
internal sealed class ShadowScaling
{
    private readonly InstanceCountController _count;
    private readonly List<VirtualInstance> _fleet = [];
    private readonly List<InstanceState> _states = [];
    private DateTimeOffset? _lastTick;
    private double _instanceSeconds;
    private double _liveInstanceSeconds;
    private long _coldArrivals;
    private long _liveColdArrivals;
    private long _starts;
    private long _liveStarts;
    private int _next;
    private ControlDecision? _last;

    public ShadowScaling(ScalingOptions live, IAutoscaler autoscaler, IKeepAlivePolicy keepAlive)
    {
        Autoscaler = live.ShadowAutoscaler ?? live.Autoscaler;
        KeepAlive = live.ShadowKeepAlive ?? live.KeepAlive;
        _count = new InstanceCountController(live with { Autoscaler = Autoscaler, KeepAlive = KeepAlive }, autoscaler, keepAlive);
    }

    public string Autoscaler { get; }

    public string KeepAlive { get; }

    public ControlDecision? LastDecision => _last;

    /// <summary>A live instance was started (for the side-by-side count of starts).</summary>
    public void LiveStarted() => _liveStarts++;

    /// <summary>One control tick: the live controller's signal and fleet, and the load it saw.</summary>
    public void Tick(in ScaleSignal live, int liveInstances, int liveReady, int inFlight, LoadSample load)
    {
        var now = live.Now;
        if (_lastTick is { } last && now > last)
        {
            var seconds = (now - last).TotalSeconds;
            _instanceSeconds += _fleet.Count * seconds;
            _liveInstanceSeconds += liveInstances * seconds;
        }

        _lastTick = now;
        var ready = 0;
        foreach (var i in _fleet)
        {
            ready += i.ReadyAt <= now ? 1 : 0;
        }

        _coldArrivals += ready == 0 ? load.Arrivals : 0;
        _liveColdArrivals += liveReady == 0 ? load.Arrivals : 0;
        if (load.Arrivals > 0 && load.FirstArrival is { } first && load.LastArrival is { } lastArrival)
        {
            _count.OnArrivals(first, lastArrival, load.Arrivals);
        }

        // The requests in flight occupy the shadow's ready instances first, one each, as far as they go.
        _states.Clear();
        var busy = inFlight;
        foreach (var i in _fleet)
        {
            var isReady = i.ReadyAt <= now;
            if (isReady && busy > 0)
            {
                busy--;
                i.LastUsed = now;
                _states.Add(new InstanceState(i.Id, true, 1, now));
            }
            else
            {
                _states.Add(new InstanceState(i.Id, isReady, 0, i.LastUsed));
            }
        }

        var signal = live with { ReadyInstances = ready, LoadingInstances = _fleet.Count - ready };
        var decision = _count.Decide(signal, inFlight, _states);
        _last = decision;
        foreach (var id in decision.Release)
        {
            _fleet.RemoveAll(i => i.Id == id);
        }

        for (var n = 0; n < decision.Start; n++)
        {
            _fleet.Add(new VirtualInstance("shadow-" + _next++, now + live.LoadTime, now));
            _starts++;
        }
    }

    public ShadowStatus Status(int liveInstances) => new()
    {
        Autoscaler = Autoscaler,
        KeepAlive = KeepAlive,
        Instances = _fleet.Count,
        LiveInstances = liveInstances,
        InstanceHours = _instanceSeconds / 3600,
        LiveInstanceHours = _liveInstanceSeconds / 3600,
        ColdArrivals = _coldArrivals,
        LiveColdArrivals = _liveColdArrivals,
        InstanceStarts = _starts,
        LiveInstanceStarts = _liveStarts,
        Reason = _last?.Reason ?? "",
    };

    private sealed class VirtualInstance(string id, DateTimeOffset readyAt, DateTimeOffset lastUsed)
    {
        public string Id { get; } = id;

        public DateTimeOffset ReadyAt { get; } = readyAt;

        public DateTimeOffset LastUsed { get; set; } = lastUsed;
    }
}
