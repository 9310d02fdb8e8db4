using System.Globalization;
using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;

namespace Stoke.Gateway.Management;

/// <summary>
/// The stream settings of a deploy (a stateful function), from the query string: <c>stream.chunk=INPUT:LENGTH</c>
/// (required to make a function stateful), <c>stream.context=N</c>, <c>stream.state=INPUT:OUTPUT:BATCHAXIS</c> and
/// <c>stream.constant=INPUT:VALUE</c> (each repeatable) and <c>stream.idleSeconds=S</c>. Whether they fit the model is
/// checked at deploy, against its signature.
/// </summary>
public static class StreamSettings
{
    public static StreamOptions? Parse(IQueryCollection query)
    {
        var chunk = query.TryGetValue("stream.chunk", out var c) ? c.ToString() : null;
        if (chunk is null)
        {
            foreach (var key in query.Keys.Where(k => k.StartsWith("stream.", StringComparison.Ordinal)))
            {
                throw Bad($"Setting '{key}' needs stream.chunk=INPUT:LENGTH, which makes the function stateful.");
            }

            return null;
        }

        var parts = chunk.Split(':');
        if (parts is not [{ Length: > 0 } input, var length] || !int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var chunkLength))
        {
            throw Bad($"Setting 'stream.chunk' must be INPUT:LENGTH (e.g. input:512), got '{chunk}'.");
        }

        var options = new StreamOptions { ChunkInput = input, ChunkLength = chunkLength };
        var states = query["stream.state"].Select(s =>
        {
            var p = (s ?? "").Split(':');
            return p is [{ Length: > 0 } i, { Length: > 0 } o, var axis] && int.TryParse(axis, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                ? new StreamState(i, o, a)
                : throw Bad($"Setting 'stream.state' must be INPUT:OUTPUT:BATCHAXIS (e.g. state:stateN:1), got '{s}'.");
        }).ToArray();
        var constants = query["stream.constant"].Select(s =>
        {
            var p = (s ?? "").Split(':');
            return p is [{ Length: > 0 } i, var v] && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? new StreamConstant(i, value)
                : throw Bad($"Setting 'stream.constant' must be INPUT:NUMBER (e.g. sr:16000), got '{s}'.");
        }).ToArray();
        return options with
        {
            ContextLength = Int(query, "stream.context") ?? 0,
            States = states,
            Constants = constants,
            IdleTimeout = Seconds(query, "stream.idleSeconds") ?? options.IdleTimeout,
        };
    }

    private static int? Int(IQueryCollection q, string key) =>
        !q.TryGetValue(key, out var v) ? null
        : int.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
        : throw Bad($"Setting '{key}' must be an integer, got '{v}'.");

    private static TimeSpan? Seconds(IQueryCollection q, string key) =>
        !q.TryGetValue(key, out var v) ? null
        : double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s > 0 ? TimeSpan.FromSeconds(s)
        : throw Bad($"Setting '{key}' must be a positive number of seconds, got '{v}'.");

    private static StokeException Bad(string message) => new(StokeErrorKind.BadRequest, message);
}
