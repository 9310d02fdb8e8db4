namespace Stoke.Runtime.Durability;

/// <summary>How a write refused for a full disk is answered: 503 with this <c>Retry-After</c>, as the space may come back.</summary>
public static class DiskFull
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);
}
