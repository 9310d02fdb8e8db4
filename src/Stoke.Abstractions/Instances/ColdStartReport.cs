namespace Stoke.Abstractions.Instances;

/// <summary>How one instance became ready: the tier its artifact came from and each phase's duration.</summary>
[GenerateSerializer, Immutable]
public sealed record ColdStartReport(
    [property: Id(0)] string Tier,
    [property: Id(1)] double FetchMs,
    [property: Id(2)] double SessionCreateMs,
    [property: Id(3)] double FirstRunMs)
{
    public double TotalMs => FetchMs + SessionCreateMs + FirstRunMs;
}
