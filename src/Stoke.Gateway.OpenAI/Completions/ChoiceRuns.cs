using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Quotas;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>One choice of a response: its generation and what it has produced so far.</summary>
/// <param name="Index">The choice's index in the response (prompt index x n + choice).</param>
/// <param name="CountsPrompt">True for the first choice of each prompt: <c>usage</c> counts a prompt once, as OpenAI does for n &gt; 1.</param>
internal sealed record ChoiceRun(int Index, IGeneration Generation, bool CountsPrompt)
{
    public StringBuilder Text { get; } = new();

    /// <summary>The choice's token log-probabilities, when they were asked for.</summary>
    public List<TokenLogprob>? Logprobs { get; set; }

    public void Add(TextChunk chunk)
    {
        Text.Append(chunk.Text);
        if (chunk.Logprobs is { } logprobs)
        {
            (Logprobs ??= []).AddRange(logprobs);
        }
    }
}

/// <summary>
/// The generations of one OpenAI request (chat, completion or response): started through the invoker, read whole or
/// merged into one stream, then disposed, metered and charged to the key's quota exactly once.
/// </summary>
internal sealed class ChoiceRuns(IApiKeyQuotaGrain? quota, OpenAIMetrics metrics, FunctionSpec spec) : IAsyncDisposable
{
    private readonly List<ChoiceRun> _runs = [];

    public IReadOnlyList<ChoiceRun> Runs => _runs;

    /// <summary>Starts one generation per request, in order; a refusal of any of them throws before a response starts.</summary>
    public async Task StartAsync(
        IFunctionInvoker invoker, FunctionSpec spec, IReadOnlyList<(TextGenerationRequest Request, bool CountsPrompt)> requests, InvocationOptions options, CancellationToken ct)
    {
        foreach (var (request, countsPrompt) in requests)
        {
            _runs.Add(new ChoiceRun(_runs.Count, await invoker.GenerateAsync(spec, request, options, ct), countsPrompt));
        }
    }

    /// <summary>Reads every choice to its end, then meters them (before the answer, so a client's next request sees it).</summary>
    public async Task ReadAllAsync()
    {
        await Task.WhenAll(_runs.Select(async run =>
        {
            await foreach (var chunk in run.Generation.ReadAllAsync())
            {
                run.Add(chunk);
            }
        }));
        await FinishAsync();
    }

    /// <summary>The choices' chunks side by side, interleaved in arrival order; ends when every choice has ended.</summary>
    public async IAsyncEnumerable<(ChoiceRun Run, TextChunk Chunk)> MergeAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var merged = Channel.CreateUnbounded<(ChoiceRun, TextChunk)>();
        var pumps = _runs.Select(run => Task.Run(async () =>
        {
            await foreach (var chunk in run.Generation.ReadAllAsync())
            {
                run.Add(chunk);
                await merged.Writer.WriteAsync((run, chunk), ct);
            }
        }, ct)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception), TaskScheduler.Default);
        try
        {
            await foreach (var item in merged.Reader.ReadAllAsync(ct))
            {
                yield return item;
            }
        }
        finally
        {
            // No stream may still be read when the generations are disposed (that is what cancels their sequences).
            await Task.WhenAll(pumps).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await FinishAsync();
    }

    /// <summary>OpenAI's <c>usage</c>: each prompt counted once, completions summed.</summary>
    public JsonObject Usage()
    {
        var (prompt, completion) = Tokens();
        return new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }

    public (int Prompt, int Completion) Tokens() =>
        (_runs.Where(r => r.CountsPrompt).Sum(r => r.Generation.PromptTokens), _runs.Sum(r => r.Generation.CompletionTokens));

    /// <summary>Ends what is left (a client that went away cancels its sequences here) and meters it.</summary>
    public async ValueTask DisposeAsync() => await FinishAsync();

    // Disposing ends a stream (an unfinished one is cancelled) and meters it; the key's quota is charged its tokens.
    private async Task FinishAsync()
    {
        foreach (var run in _runs)
        {
            var generation = run.Generation;
            if (generation.Usage is not null)
            {
                continue;
            }

            await generation.DisposeAsync();
            if (quota is not null)
            {
                await quota.Charge(generation.PromptTokens + generation.CompletionTokens);
            }

            metrics.Finished(spec, generation.PromptTokens, generation.CompletionTokens, generation.Final);
        }
    }
}
