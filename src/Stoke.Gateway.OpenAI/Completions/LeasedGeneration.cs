using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>
/// One running generation: the lease its function granted, the stream from the instance's node, and its first chunk
/// (read eagerly, so refusals surface before the HTTP response starts). Disposing it gives the lease back with the
/// tokens seen, charges the key's quota and records the LLM metrics; disposing early cancels the sequence.
/// </summary>
internal sealed class LeasedGeneration : IAsyncDisposable
{
    private readonly IFunctionGrain _function;
    private readonly GenerationLease _lease;
    private readonly IAsyncEnumerator<TextChunk> _chunks;
    private readonly Func<long, Task> _charge;
    private readonly OpenAIMetrics _metrics;
    private readonly string _model;
    private TextChunk? _first;
    private int _disposed;

    private LeasedGeneration(IFunctionGrain function, GenerationLease lease, IAsyncEnumerator<TextChunk> chunks, TextChunk first, Func<long, Task> charge, OpenAIMetrics metrics, string model)
    {
        _function = function;
        _lease = lease;
        _chunks = chunks;
        _first = first;
        _charge = charge;
        _metrics = metrics;
        _model = model;
        PromptTokens = first.PromptTokens;
    }

    public int PromptTokens { get; private set; }

    public int CompletionTokens { get; private set; }

    public TextChunk? Final { get; private set; }

    /// <summary>Tier of the cold start this generation waited for, or null when it found a warm instance.</summary>
    public string? ColdStartTier => _lease.ColdStartTier;

    /// <summary>
    /// Leases an instance and starts the generation. <paramref name="prompt"/> turns the instance into the prompt (chat
    /// requests render with the model's own template there). Retries on another instance when the leased one is gone.
    /// </summary>
    public static async Task<LeasedGeneration> StartAsync(
        IGrainFactory grains, FunctionSpec spec, DateTimeOffset deadline, string requestId,
        Func<INodeGrain, GenerationLease, Task<TextGenerationRequest?>> prepare, Func<long, Task> charge, OpenAIMetrics metrics,
        CancellationToken cancellationToken)
    {
        var function = grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(spec.Tenant, spec.Name, spec.Version));
        for (var attempt = 0; ; attempt++)
        {
            var lease = await function.Acquire(requestId, deadline);
            var node = grains.GetGrain<INodeGrain>(lease.NodeId);
            IAsyncEnumerator<TextChunk>? chunks = null;
            try
            {
                var request = await prepare(node, lease) ?? throw new InstanceGoneException(lease.InstanceId);
                chunks = node.Generate(lease.InstanceId, request, cancellationToken).GetAsyncEnumerator(cancellationToken);
                if (!await chunks.MoveNextAsync())
                {
                    throw new StokeException(StokeErrorKind.Internal, "The generation ended without a result.");
                }

                return new LeasedGeneration(function, lease, chunks, chunks.Current, charge, metrics, spec.Name);
            }
            catch (InstanceGoneException) when (attempt < 3)
            {
                await DisposeQuietlyAsync(chunks);
                await function.Complete(lease, new GenerationReport { InstanceGone = true, Succeeded = false });
            }
            catch
            {
                await DisposeQuietlyAsync(chunks);
                await function.Complete(lease, new GenerationReport { Succeeded = false });
                throw;
            }
        }
    }

    /// <summary>The chunks in order, the first one included; the last one carries the finish reason and usage.</summary>
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
        var final = Final;
        var report = new GenerationReport
        {
            PromptTokens = PromptTokens,
            CompletionTokens = CompletionTokens,
            EngineQueueMs = final?.QueueMs ?? 0,
            ComputeMs = final is null ? 0 : Math.Max(0, final.TotalMs - final.QueueMs),
            Succeeded = final is not null,
        };
        await _charge(PromptTokens + CompletionTokens);
        _metrics.Finished(_model, report, final);
        await _function.Complete(_lease, report);
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<TextChunk>? chunks)
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
