using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies.Autoscaling;

namespace Stoke.Policies.Control;

/// <summary>
/// The per-function instance-count decision of the function controller (Stoke.Control), which the live server and
/// the simulator share: combines the
/// autoscaler's desired count with the keep-alive window into instances to start and idle instances to release.
/// One implementation, so a trace replayed in the simulator makes the same decisions as the server.
/// </summary>
public sealed class InstanceCountController
{
    private readonly ScalingOptions _options;
    private readonly IAutoscaler _autoscaler;
    private readonly IKeepAlivePolicy _keepAlive;
    private DateTimeOffset? _lastArrival;
    private ControlDecision? _last;

    public InstanceCountController(ScalingOptions options, IAutoscaler autoscaler, IKeepAlivePolicy keepAlive)
    {
        _options = options;
        _autoscaler = autoscaler;
        _keepAlive = keepAlive;
    }

    /// <summary>Time of the last arrival, or null before the first.</summary>
    public DateTimeOffset? LastArrival => _lastArrival;

    /// <summary>Records one control interval's arrivals: the keep-alive policy learns idle times from these.</summary>
    public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
    {
        if (count <= 0)
        {
            return;
        }

        _lastArrival = last;
        _keepAlive.OnArrivals(first, last, count);
    }

    /// <summary>
    /// One control tick. <paramref name="instances"/> are the function's live instances (loading or ready);
    /// the result names the idle ones to release, least recently used first, and how many to start.
    /// </summary>
    public ControlDecision Decide(in ScaleSignal signal, int inFlight, IReadOnlyList<InstanceState> instances)
    {
        var scale = _autoscaler.Decide(signal);
        var window = _keepAlive.CurrentWindow();
        var warmWanted = WarmWanted(signal.Now, inFlight, signal.QueueDepth, window);
        var floor = Math.Max(_options.MinInstances, warmWanted ? 1 : 0);
        var target = Math.Clamp(Math.Max(scale.DesiredInstances, floor), 0, Math.Max(_options.MaxInstances, _options.MinInstances));

        var total = instances.Count;
        var toStart = Math.Max(0, target - total);
        IReadOnlyList<string> release = [];
        if (total > target && !scale.Panicking)
        {
            release = Release(instances, total - target);
        }

        // Most ticks decide what the previous one did: hand back that decision (its release list too) instead of a new
        // one. A decision is a value, so a replay of 100,000 functions allocates none per tick.
        if (_last is { } last && release.Count == 0 && last.Release.Count == 0 && last.Target == target && last.Start == toStart
            && last.Floor == floor && last.Have == total && last.Scale == scale && last.KeepAlive == window)
        {
            return last;
        }

        var decision = new ControlDecision(target, toStart, release, scale, window, floor, total);
        _last = decision;
        return decision;
    }

    /// <summary>
    /// How many of the next <paramref name="max"/> ticks, every <paramref name="step"/> after the last one at
    /// <paramref name="from"/>, would decide exactly what the last one did if none of them saw any load, arrival or
    /// held request, with <paramref name="instances"/> instances all ready and idle: those a host may skip and hand in
    /// later with <see cref="SkipQuietTicks"/>, with the same decisions and state as ticking them. 0 unless the
    /// autoscaler can forecast such a run (the KPA can) and the last decision started and released nothing.
    /// </summary>
    public int QuietTicks(DateTimeOffset from, TimeSpan step, int max, int instances)
    {
        if (_autoscaler is not KpaAutoscaler kpa || _last is not { } last || last.Start != 0 || last.Release.Count != 0
            || last.Have != instances || last.Scale.Panicking || last.Scale.Reason.Length != 0 || step <= TimeSpan.Zero)
        {
            return 0;
        }

        var window = _keepAlive.CurrentWindow();
        if (window != last.KeepAlive)
        {
            return 0;
        }

        // A tick that wants what the last one did and keeps its floor aims at the last target: check that once.
        var target = Math.Clamp(Math.Max(last.Scale.DesiredInstances, last.Floor), 0, Math.Max(_options.MaxInstances, _options.MinInstances));
        if (target != last.Target || target != instances)
        {
            return 0;
        }

        var wanting = kpa.QuietTicksWanting(from.UtcTicks, step.Ticks, max, instances, last.Scale.DesiredInstances);
        return Math.Min(wanting, FirstFloorChange(from, step, wanting, window, last.Floor) - 1);
    }

    // The first of the ticks 1..limit after `from` whose floor differs from `floor` (limit + 1 if none). A quiet tick's
    // floor depends only on whether the keep-alive window wants an instance warm, and the ticks it wants form one run
    // (its idle time grows with k): the floor can change only at tick 1, where that run starts or where it ends. Those
    // ticks are computed, then checked with WarmWanted itself, so the answer is that of trying every tick.
    private int FirstFloorChange(DateTimeOffset from, TimeSpan step, int limit, KeepAliveWindow window, int floor)
    {
        Span<long> candidates = [1, long.MaxValue, long.MaxValue];
        if (_lastArrival is { } lastArrival)
        {
            var idleAtFrom = (from - lastArrival).Ticks;
            candidates[1] = FirstTickReaching(window.PrewarmAfter.Ticks - idleAtFrom, step.Ticks);
            candidates[2] = FirstTickReaching((window.PrewarmAfter + window.KeepAlive).Ticks - idleAtFrom, step.Ticks);
            candidates.Sort();
        }

        foreach (var k in candidates)
        {
            if (k > limit)
            {
                break;
            }

            if (Math.Max(_options.MinInstances, WarmWanted(from.AddTicks(k * step.Ticks), 0, 0, window) ? 1 : 0) != floor)
            {
                return (int)k;
            }
        }

        return limit + 1;
    }

    // The least k >= 1 with k * step >= distance: the first tick whose idle time has grown by at least `distance`.
    private static long FirstTickReaching(long distance, long step) =>
        distance <= step ? 1 : (distance / step) + (distance % step == 0 ? 0 : 1);

    /// <summary>Takes in <paramref name="ticks"/> ticks that <see cref="QuietTicks"/> allowed a host to skip.</summary>
    public void SkipQuietTicks(DateTimeOffset from, TimeSpan step, int ticks)
    {
        if (ticks > 0)
        {
            ((KpaAutoscaler)_autoscaler).AddQuietTicks(from.UtcTicks, step.Ticks, ticks);
        }
    }

    // Release only idle instances, at most `surplus`; the least recently used go first (they hold the coldest caches),
    // ties in the order the instances are listed. A selection of the least LastUsed not yet taken, earliest on ties, is
    // the order a stable sort gives, and allocates nothing when no instance is idle (most calls, while instances are busy).
    private static IReadOnlyList<string> Release(IReadOnlyList<InstanceState> instances, int surplus)
    {
        List<string>? release = null;
        var taken = 0UL; // instances already chosen, by position (MaxInstances is far below 64; beyond that, a set)
        HashSet<int>? takenBeyond = null;
        while ((release?.Count ?? 0) < surplus)
        {
            var pick = -1;
            for (var i = 0; i < instances.Count; i++)
            {
                if (instances[i] is { Ready: true, InFlight: 0 } state && !Taken(i)
                    && (pick < 0 || state.LastUsed < instances[pick].LastUsed))
                {
                    pick = i;
                }
            }

            if (pick < 0)
            {
                break;
            }

            if (pick < 64)
            {
                taken |= 1UL << pick;
            }
            else
            {
                (takenBeyond ??= []).Add(pick);
            }

            (release ??= []).Add(instances[pick].InstanceId);
        }

        return release ?? (IReadOnlyList<string>)[];

        bool Taken(int i) => i < 64 ? (taken & (1UL << i)) != 0 : takenBeyond?.Contains(i) == true;
    }

    // An instance is wanted while requests are in flight or held, and within the keep-alive window that follows the
    // last arrival (after its pre-warm gap, if the policy asked for one).
    private bool WarmWanted(DateTimeOffset now, int inFlight, int queued, KeepAliveWindow window)
    {
        if (inFlight > 0 || queued > 0)
        {
            return true;
        }

        if (_lastArrival is not { } last)
        {
            return false;
        }

        var idle = now - last;
        return idle >= window.PrewarmAfter && idle < window.PrewarmAfter + window.KeepAlive;
    }
}

/// <summary>What the controller knows of one instance.</summary>
public readonly record struct InstanceState(string InstanceId, bool Ready, int InFlight, DateTimeOffset LastUsed);

/// <summary>
/// One tick's outcome: the target count, what to start and release, and the inputs, for the decision log. A value:
/// a replay makes millions of them.
/// </summary>
/// <param name="Floor">The least the controller keeps: min instances, or one while the keep-alive window wants it warm.</param>
/// <param name="Have">Instances (loading or ready) when the decision was made.</param>
public readonly record struct ControlDecision(
    int Target,
    int Start,
    IReadOnlyList<string> Release,
    ScaleDecision Scale,
    KeepAliveWindow KeepAlive,
    int Floor,
    int Have)
{
    /// <summary>Why, in words; built when read (a decision log reads it, a replay with none attached never does).</summary>
    public string Reason => string.Create(CultureInfo.InvariantCulture, $"{Scale.Reason}; keep-alive {KeepAlive.Reason}; floor {Floor}; target {Target} (have {Have})");
}
