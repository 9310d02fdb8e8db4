using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Usage;
using Stoke.Runtime.Tracing;

namespace Stoke.Runtime.Invocation;

/// <summary>
/// A running generation: the stream from the instance's node and its first chunk (read eagerly, so refusals surface
/// before the HTTP response starts). Disposing it ends the stream (which cancels an unfinished sequence and frees its
/// KV cells) and meters it.
/// </summary>
internal sealed class Generation : IGeneration
{
    private readonly FunctionInvoker _invoker;
    private readonly FunctionSpec _spec;
    private readonly Route _route;
    private readonly IAsyncEnumerator<TextChunk> _chunks;
    private readonly long _arrived;
    private readonly System.Diagnostics.Activity? _activity;
    private TextChunk? _first;
    private int _disposed;

    public Generation(FunctionInvoker invoker, FunctionSpec spec, Route route, IAsyncEnumerator<TextChunk> chunks, TextChunk first, long arrived, System.Diagnostics.Activity? activity)
    {
        _activity = activity;
        _invoker = invoker;
        _spec = spec;
        _route = route;
        _chunks = chunks;
        _first = first;
        _arrived = arrived;
        PromptTokens = first.PromptTokens;
    }

    public int PromptTokens { get; private set; }

    public int CompletionTokens { get; private set; }

    public TextChunk? Final { get; private set; }

    public string? ColdStartTier => _route.ColdStartTier;

    public UsageRecord? Usage { get; private set; }

    public async IAsyncEnumerable<TextChunk> ReadAllAsync()
    {
        if (_first is { } first)
        {
            _first = null;
            Observe(first);
            yield return first;
            if (first.IsFinal)
            {
                yield break;
            }
        }

        while (await _chunks.MoveNextAsync())
        {
            var chunk = _chunks.Current;
            Observe(chunk);
            yield return chunk;
            if (chunk.IsFinal)
            {
                yield break;
            }
        }
    }

    private void Observe(TextChunk chunk)
    {
        if (chunk.IsFinal)
        {
            Final = chunk;
            PromptTokens = chunk.PromptTokens;
            CompletionTokens = chunk.CompletionTokens;
        }
        else if (chunk.Text.Length > 0)
        {
            // One chunk per token's text; exact counts come with the final chunk.
            CompletionTokens++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await DisposeQuietlyAsync(_chunks);
        Usage = _invoker.Finish(_spec, _route, _arrived, PromptTokens, CompletionTokens, Final);
        if (_activity is { } activity)
        {
            activity.SetTag(RuntimeTracing.InputTokens, PromptTokens).SetTag(RuntimeTracing.OutputTokens, CompletionTokens)
                .SetTag(RuntimeTracing.FinishReason, Final?.FinishReason ?? "disconnected");
            activity.Dispose();
        }
    }

    internal static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<TextChunk>? chunks)
    {
        if (chunks is null)
        {
            return;
        }

        try
        {
            await chunks.DisposeAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
            // A cancelled stream may refuse a second disposal; the node has already ended its sequence.
        }
    }
}
