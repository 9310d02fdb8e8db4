using Stoke.Abstractions.Policies;

namespace Stoke.Policies.KeepAlive;

/// <summary>The baseline keep-alive of AWS Lambda and Knative: no pre-warm, idle instances stay for a fixed TTL.</summary>
internal sealed class FixedKeepAlive(TimeSpan ttl) : IKeepAlivePolicy
{
    private readonly KeepAliveWindow _window = new(TimeSpan.Zero, ttl, $"fixed: keep alive {ttl}");

    public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
    {
    }

    public KeepAliveWindow CurrentWindow() => _window;
}
