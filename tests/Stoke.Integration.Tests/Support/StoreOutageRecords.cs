using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Stoke.Integration.Tests.Support;

/// <summary>One inference request under the outage: when it was sent, how long it took, and what came back (no status: no answer).</summary>
public sealed record RequestOutcome(int Node, TimeSpan SentAt, TimeSpan Took, HttpStatusCode? Status, bool RetryAfter, bool Correct, string? Error)
{
    public override string ToString() =>
        FormattableString.Invariant($"node {Node} at {SentAt.TotalSeconds:F2} s took {Took.TotalMilliseconds:F0} ms: {(Status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer")}{(RetryAfter ? " Retry-After" : "")} {Error}");
}

/// <summary>One deploy: its status (none: no answer within its patience), whether it said when to retry, and when it succeeded (after the store's return).</summary>
public sealed record DeployAttempt(HttpStatusCode? Status, bool RetryAfter, string Body, TimeSpan Took, TimeSpan At)
{
    public bool Succeeded => Status is HttpStatusCode.OK or HttpStatusCode.Created;
}

/// <summary>The billed successes once they matched the clients' count (or the bound passed), and how long that took.</summary>
public sealed record UsageSettlement(long Billed, TimeSpan Took);

/// <summary>What one outage run saw.</summary>
public sealed record OutageReport(
    IReadOnlyList<RequestOutcome> Requests,
    TimeSpan StoppedAt,
    TimeSpan StartedAt,
    TimeSpan LoadEndedAt,
    DeployAttempt DuringOutage,
    RequestOutcome ColdDuringOutage,
    string DuringOutageAfterwards,
    DeployAttempt? FirstDeployBack,
    IReadOnlyList<DeployAttempt> DeploysAfter,
    long Answered,
    UsageSettlement Usage,
    JsonNode Verify,
    IReadOnlyList<string> InternalErrors)
{
    /// <summary>Requests sent while the store was away.</summary>
    public IEnumerable<RequestOutcome> DuringTheOutage => Requests.Where(r => r.SentAt >= StoppedAt && r.SentAt < StartedAt);

    /// <summary>One tab-separated line: the run's name, requests sent during the outage answered 200 / refused / other,
    /// seconds from the store's return to the first deploy that worked, and to the bill matching the clients' count,
    /// all requests, and the status of the cold start during the outage.</summary>
    public string Line(string name)
    {
        var during = DuringTheOutage.ToList();
        var refused = during.Count(r => r.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests);
        var ok = during.Count(r => r.Status == HttpStatusCode.OK);
        return FormattableString.Invariant(
            $"{name}\t{ok}\t{refused}\t{during.Count - ok - refused}\t{FirstDeployBack?.At.TotalSeconds:F2}\t{Usage.Took.TotalSeconds:F2}\t{Requests.Count}\t{(int?)ColdDuringOutage.Status} in {ColdDuringOutage.Took.TotalSeconds:F2} s");
    }

    /// <summary>A few lines for assertion messages: the timeline and the answers by status.</summary>
    public string Summary(int lines = 20)
    {
        var text = new StringBuilder();
        text.AppendLine(FormattableString.Invariant($"store stopped at {StoppedAt.TotalSeconds:F2} s, back at {StartedAt.TotalSeconds:F2} s, load ended at {LoadEndedAt.TotalSeconds:F2} s"));
        foreach (var group in Requests.GroupBy(r => r.Status).OrderBy(g => g.Key))
        {
            text.AppendLine(FormattableString.Invariant($"  {(group.Key is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer")}: {group.Count()}"));
        }

        text.AppendLine(FormattableString.Invariant($"cold request during: {ColdDuringOutage}"));
        text.AppendLine(FormattableString.Invariant($"deploy during: {DuringOutage.Status} in {DuringOutage.Took.TotalSeconds:F1} s: {DuringOutage.Body}; afterwards {DuringOutageAfterwards}"));
        text.AppendLine(FormattableString.Invariant($"first deploy back: {FirstDeployBack?.At.TotalSeconds:F2} s after the store, {DeploysAfter.Count} tries; last: {DeploysAfter.LastOrDefault()?.Status} {DeploysAfter.LastOrDefault()?.Body}"));
        text.AppendLine(FormattableString.Invariant($"answered 200: {Answered}, billed successes: {Usage.Billed} after {Usage.Took.TotalSeconds:F1} s; verify consistent: {Verify["consistent"]}"));
        foreach (var odd in Requests.Where(r => r.Status != HttpStatusCode.OK).Take(lines))
        {
            text.AppendLine("  " + odd);
        }

        foreach (var deploy in DeploysAfter.Where(d => !d.Succeeded))
        {
            text.AppendLine(FormattableString.Invariant($"  deploy after: {deploy.Status} in {deploy.Took.TotalSeconds:F1} s: {deploy.Body}"));
        }

        foreach (var error in InternalErrors.Take(3))
        {
            text.AppendLine("  500 logged: " + (error.Length > 3000 ? error[..3000] : error));
        }

        return text.ToString();
    }
}
