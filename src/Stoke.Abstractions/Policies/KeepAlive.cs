namespace Stoke.Abstractions.Policies;

/// <summary>
/// Windows after a function goes idle: during <see cref="PrewarmAfter"/> it may hold no instance (unloaded),
/// then an instance is warm (pre-warmed if it had been unloaded) for <see cref="KeepAlive"/>. A fixed TTL is
/// <c>(0, TTL)</c>.
/// </summary>
public readonly record struct KeepAliveWindow(TimeSpan PrewarmAfter, TimeSpan KeepAlive, string Reason);

/// <summary>Per-function keep-alive / pre-warm state, fed the arrivals of each control tick.</summary>
public interface IKeepAlivePolicy
{
    /// <summary>
    /// Records the <paramref name="count"/> arrivals of one control interval, the first at <paramref name="first"/>
    /// and the last at <paramref name="last"/> (the policy learns idle times from the gaps between arrivals). The
    /// controller sees arrivals per tick, not one by one: the gaps inside an interval are shorter than it.
    /// </summary>
    void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count);

    /// <summary>The windows that apply from the function's last arrival on.</summary>
    KeepAliveWindow CurrentWindow();
}

/// <summary>Conveniences over <see cref="IKeepAlivePolicy"/>.</summary>
public static class KeepAlivePolicyExtensions
{
    /// <summary>Records a single arrival.</summary>
    public static void OnArrival(this IKeepAlivePolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.OnArrivals(now, now, 1);
    }
}
