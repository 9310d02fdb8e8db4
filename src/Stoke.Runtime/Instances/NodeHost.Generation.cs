using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Tracing;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Instances;

// Language-model instances: their session is the executor (continuous batching inside the engine), not a tensor batcher.
public sealed partial class NodeHost
{
    /// <summary>
    /// Streams one generation on a ready language-model instance of this node. A refusal before the first token is a
    /// <see cref="StokeException"/> (400 bad request, 429 engine full); cancelling or abandoning the stream ends the
    /// sequence and frees its KV cells.
    /// </summary>
    public async IAsyncEnumerable<TextChunk> GenerateAsync(
        string instanceId, TextGenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_instances.TryGetValue(instanceId, out var instance) || instance.Phase != InstancePhase.Ready)
        {
            throw new InstanceGoneException(instanceId);
        }

        if (instance.Session is not IGenerativeSession session)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"{instance.Spec.Name} is not a language model: it runs on the {instance.Spec.Engine} engine.");
        }

        if (request.Messages is { } messages)
        {
            request = request with { Prompt = session.RenderChat(messages), Messages = null };
        }

        IAsyncEnumerable<TextChunk> stream;
        try
        {
            stream = session.GenerateAsync(request, cancellationToken);
        }
        catch (GenerationRejectedException e)
        {
            throw e.RetryAfter is { } retry
                ? new StokeException(StokeErrorKind.TooManyRequests, e.Message, retry)
                : new StokeException(StokeErrorKind.BadRequest, e.Message);
        }
        catch (ObjectDisposedException)
        {
            throw new InstanceGoneException(instanceId);
        }

        instance.Enter();
        using var activity = RuntimeTracing.Start(RuntimeTracing.NodeGenerate, instance.Spec);
        activity?.SetTag(RuntimeTracing.InstanceId, instanceId).SetTag(RuntimeTracing.NodeId, NodeId);
        try
        {
            await foreach (var chunk in stream.WithCancellation(cancellationToken))
            {
                if (chunk.IsFinal)
                {
                    activity?.SetTag(RuntimeTracing.InputTokens, chunk.PromptTokens).SetTag(RuntimeTracing.OutputTokens, chunk.CompletionTokens)
                        .SetTag(RuntimeTracing.FinishReason, chunk.FinishReason).SetTag("stoke.time_to_first_token_ms", chunk.TimeToFirstTokenMs);
                }

                yield return chunk;
            }
        }
        finally
        {
            Done(instance);
        }
    }

    // One greedy token, so the first request does not pay for the context's lazy setup; measured as the first-run phase.
    private static async Task WarmUpGenerationAsync(IGenerativeSession session, FunctionSpec spec, CancellationToken cancellationToken)
    {
        var request = new TextGenerationRequest { Prompt = "Hello", MaxTokens = 1, Temperature = 0, RequestId = "warm-up:" + spec.Key };
        await foreach (var _ in session.GenerateAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
        }
    }

    private static async ValueTask DisposeSessionAsync(Instance instance)
    {
        switch (instance.Session)
        {
            case IGenerativeSession generative:
                await generative.DisposeAsync();
                break;
            case { } session:
                session.Dispose();
                break;
        }

        NativeHeap.Trim();
    }

    private void RegisterGenerationGauges(RuntimeMetrics metrics)
    {
        metrics.Meter.CreateObservableGauge("stoke.llm.sequences.active", () => ObserveGeneration(s => s.ActiveSequences), "{sequence}", "Sequences decoding on language-model instances.");
        metrics.Meter.CreateObservableGauge("stoke.llm.requests.queued", () => ObserveGeneration(s => s.QueuedRequests), "{request}", "Generations waiting for a sequence slot or KV cells.");
        metrics.Meter.CreateObservableGauge("stoke.llm.kv_cache.used", () => ObserveGeneration(s => s.KvCacheUsedCells), "{cell}", "KV-cache cells holding tokens.");
        metrics.Meter.CreateObservableGauge("stoke.llm.kv_cache.capacity", () => ObserveGeneration(s => s.KvCacheCapacity), "{cell}", "KV-cache cells of language-model instances.");
    }

    private IEnumerable<Measurement<int>> ObserveGeneration(Func<GenerationState, int> value)
    {
        foreach (var instance in _instances.Values)
        {
            if (instance.Session is IGenerativeSession session)
            {
                yield return new(value(session.State), new KeyValuePair<string, object?>("stoke.function", instance.Spec.Key), new KeyValuePair<string, object?>("stoke.instance", instance.Id));
            }
        }
    }
}
