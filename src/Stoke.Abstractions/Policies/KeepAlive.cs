namespace Stoke.Abstractions.Policies;

/// <summary>
/// Windows after a function goes idle: during <see cref="PrewarmAfter"/> it may hold no instance (unloaded),
/// then an instance is warm (pre-warmed if it had been unloaded) for <see cref="KeepAlive"/>. A fixed TTL is
/// <c>(0, TTL)</c>.
/// </summary>
public readonly record struct KeepAliveWindow(TimeSpan PrewarmAfter, TimeSpan KeepAlive, string Reason);

/// <summary>Per-function keep-alive / pre-warm state, fed every arrival.</summary>
public interface IKeepAlivePolicy
{
    /// <summary>Records an arrival (the policy learns idle times from the gaps between them).</summary>
    void OnArrival(DateTimeOffset now);

    /// <summary>The windows that apply from the function's last arrival on.</summary>
    KeepAliveWindow CurrentWindow();
}
