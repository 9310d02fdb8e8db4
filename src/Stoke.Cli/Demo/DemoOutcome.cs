using System.Globalization;

namespace Stoke.Cli.Demo;

/// <summary>
/// Whether the demo worked: every request it sent was answered 200. Its load stays inside every function's limits
/// (a burst's 40 clients plus the steady 5 req/s in flight against a queue of 256, a 10 s deadline for requests that
/// take well under a second), so a refusal or timeout means the node misbehaved or the machine was too slow, not that
/// the demo overloaded it on purpose (docs/cli.md).
/// </summary>
public sealed record DemoOutcome(int Sent, int Succeeded, string Errors)
{
    public int Failed => Sent - Succeeded;

    /// <summary>No request failed and at least one succeeded.</summary>
    public bool Passed => Failed == 0 && Succeeded > 0;

    /// <summary>The counts, as the last line of the demo prints them.</summary>
    public string Counts => string.Create(CultureInfo.InvariantCulture, $"demo: {Sent} requests, {Succeeded} succeeded, {Failed} failed");

    /// <summary>Why the demo failed, for its error line; null when it passed.</summary>
    public string? Failure => Passed
        ? null
        : Failed > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Failed} of {Sent} demo requests failed ({Errors}).")
            : "No demo request succeeded.";

    public static DemoOutcome Of(IEnumerable<DemoStats> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var stats = functions.ToList();
        var errors = stats.Where(f => f.Failed > 0).Select(f => $"{f.Function} {f.Errors()}");
        return new DemoOutcome(stats.Sum(f => f.Sent), stats.Sum(f => f.Succeeded), string.Join("; ", errors));
    }
}
