using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Tracing;

namespace Stoke.Runtime.Instances;

// An instance's cold start: memory, the artifact from its fastest tier, the session, a first run; each phase timed
// (ColdStartReport, the stoke.cold_start.* metrics) and traced (stoke.instance.start and its phase spans).
public sealed partial class NodeHost
{
    /// <summary>
    /// Loads an instance: reserves memory (evicting idle instances if needed), fetches the artifact from the fastest
    /// tier holding it, creates the session and runs it once. Throws <see cref="StokeException"/> (Overloaded) when the
    /// node cannot make room; the caller keeps its requests held and tries again.
    /// </summary>
    public async Task<ColdStartReport> StartInstanceAsync(FunctionSpec spec, string instanceId, CancellationToken cancellationToken)
    {
        var memory = Math.Max(spec.InstanceMemoryBytes, spec.Artifact.SizeBytes);
        // Registered before its memory is reserved, so that a stop while it waits for room finds it.
        var instance = new Instance(instanceId, spec, memory, _time.GetUtcNow());
        _instances[instanceId] = instance;
        try
        {
            await ReserveAsync(spec.Key, memory);
        }
        catch
        {
            _instances.TryRemove(instanceId, out _);
            throw;
        }

        using var activity = RuntimeTracing.Start(RuntimeTracing.InstanceStart, spec);
        activity?.SetTag(RuntimeTracing.InstanceId, instanceId).SetTag(RuntimeTracing.NodeId, NodeId);
        System.Diagnostics.Activity? phase = null;
        try
        {
            var start = _time.GetTimestamp();
            byte[] bytes;
            string tier;
            using (var fetch = RuntimeTracing.Start(RuntimeTracing.ArtifactFetch, spec))
            {
                (bytes, tier) = await FetchAsync(spec.Artifact, cancellationToken);
                fetch?.SetTag(RuntimeTracing.Tier, tier);
                activity?.SetTag(RuntimeTracing.Tier, tier);
            }

            var fetched = _time.GetTimestamp();
            phase = RuntimeTracing.Start(RuntimeTracing.SessionCreate, spec);
            var engine = Engine(spec.Engine);
            var loadOptions = new EngineLoadOptions
            {
                IntraOpThreads = _options.IntraOpThreads,
                AllowSpinning = _options.EngineThreadSpinning,
                ArtifactSha256 = spec.Artifact.Sha256,
                SourcePath = tier == ArtifactTier.Repository ? Repository.PathFor(spec.Artifact) : null,
                MaxSequences = spec.Generation.MaxSequences,
                ContextWindow = spec.Generation.ContextWindow,
                InstanceId = instanceId,
            };
            var session = await Task.Run(() => engine.Load(bytes, loadOptions), cancellationToken);
            instance.Session = session;
            if (spec.Tokenizer is { Kind: "bert" } tokenizer)
            {
                // Tokenisation and pooling run in the instance, so /v1/embeddings sends texts, not tensors.
                var (vocab, _) = await FetchAsync(tokenizer.Artifact, cancellationToken);
                instance.Embedder = new Engines.Onnx.Embeddings.SentenceEmbedder(vocab, session.Signature);
            }

            phase?.Dispose();
            var created = _time.GetTimestamp();
            phase = RuntimeTracing.Start(RuntimeTracing.FirstRun, spec);
            if (session is IGenerativeSession generative)
            {
                await WarmUpGenerationAsync(generative, spec, cancellationToken);
            }
            else
            {
                await Task.Run(() => WarmUp(session, spec), cancellationToken);
            }

            phase?.Dispose();
            var ran = _time.GetTimestamp();

            var report = new ColdStartReport(
                tier, _time.GetElapsedTime(start, fetched).TotalMilliseconds,
                _time.GetElapsedTime(fetched, created).TotalMilliseconds, _time.GetElapsedTime(created, ran).TotalMilliseconds);
            instance.ColdStart = report;
            instance.LastUsed = _time.GetUtcNow();
            if (!instance.TryBecomeReady(() => AttachBatchers(instance, session, spec, memory)))
            {
                throw new InstanceGoneException(instanceId);
            }

            _metrics.RecordColdStart(spec, report);
            Log.InstanceReady(_logger, instanceId, spec.Key, spec.Version, tier, report.FetchMs, report.SessionCreateMs, report.FirstRunMs);
            return report;
        }
        catch (Exception ex)
        {
            phase.Fail(ex);
            phase?.Dispose();
            activity.Fail(ex);
            _instances.TryRemove(instanceId, out _);
            // A load that fails, or finishes after its instance was stopped, frees what it made: nothing else will.
            await DisposeSessionAsync(instance);
            Release(memory);
            if (ex is InstanceGoneException)
            {
                Log.InstanceStopped(_logger, instanceId, spec.Key, "stopped while it loaded");
                throw;
            }

            Log.InstanceFailed(_logger, instanceId, spec.Key, ex);
            throw ex as StokeException ?? new StokeException(StokeErrorKind.Internal, $"Instance of {spec.Key} v{spec.Version} failed to start: {ex.Message}", ex);
        }
    }

    // A ready tensor instance's request path: its batcher and, for a stateful function, its streams' step loop.
    private void AttachBatchers(Instance instance, IModelSession session, FunctionSpec spec, long memory)
    {
        if (session is not IGenerativeSession)
        {
            instance.Batcher = new InstanceBatcher(
                spec, NodeId, memory, session, _policies.CreateBatching(spec), spec.Signature.SupportsBatching,
                _options.InstanceQueueCapacity, _time, _metrics, _logger);
            instance.Streams = CreateStepBatcher(instance, session);
        }
    }

    // Memory, disk, peers, repository: see NodeArtifacts.
    private Task<(byte[] Bytes, string Tier)> FetchAsync(ArtifactRef artifact, CancellationToken cancellationToken) =>
        Artifacts.FetchAsync(artifact, cancellationToken);

    // Runs the model once on a synthetic input (free dimensions = 1, zeros) so the first request does not pay for
    // the engine's lazy initialisation. A model that rejects zeros is simply not warmed.
    private void WarmUp(IModelSession session, FunctionSpec spec)
    {
        try
        {
            var inputs = spec.Stream is { } stream ? StreamWarmUpInputs(stream, spec.Signature) : spec.Signature.Inputs.Select(SyntheticInput).ToArray();
            session.Run(inputs, null);
        }
        catch (Exception ex)
        {
            Log.WarmUpSkipped(_logger, spec.Key, ex.Message);
        }
    }

    private static Tensor SyntheticInput(TensorSpec spec)
    {
        var shape = spec.Shape.Select(d => d < 0 ? 1 : d).ToArray();
        var count = TensorShape.ElementCount(shape);
        var size = spec.DataType.ElementSize();
        var data = size > 0 ? new byte[count * size] : new byte[count * 4];
        return new Tensor(spec.Name, spec.DataType, shape, data);
    }
}
