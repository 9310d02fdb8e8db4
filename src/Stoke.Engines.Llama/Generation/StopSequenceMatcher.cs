namespace Stoke.Engines.Llama;

/// <summary>
/// Finds stop strings in streamed text. Text that could still turn into a stop string is held back, so a
/// client never sees part of one; what is held is released when the stream ends for another reason.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private string _pending = "";

    public StopSequenceMatcher(IReadOnlyList<string>? stops) =>
        _stops = stops is null ? [] : stops.Where(s => !string.IsNullOrEmpty(s)).ToArray();

    /// <summary>Adds text; returns what is safe to emit. <paramref name="stopped"/> is true once a stop string appeared.</summary>
    public string Push(string text, out bool stopped)
    {
        stopped = false;
        if (_stops.Length == 0)
        {
            return text;
        }

        _pending += text;
        var first = -1;
        foreach (var stop in _stops)
        {
            var at = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        if (first >= 0)
        {
            stopped = true;
            var before = _pending[..first];
            _pending = "";
            return before;
        }

        var hold = 0;
        foreach (var stop in _stops)
        {
            hold = Math.Max(hold, LongestSuffixThatStarts(_pending, stop));
        }

        var safe = _pending[..^hold];
        _pending = _pending[^hold..];
        return safe;
    }

    /// <summary>Releases held-back text at the end of a stream that did not stop on a stop string.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return rest;
    }

    // Length of the longest proper prefix of stop that text ends with.
    private static int LongestSuffixThatStarts(string text, string stop)
    {
        for (var k = Math.Min(stop.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }
}
