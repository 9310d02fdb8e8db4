using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Tensors;
using Stoke.Runtime.Invocation;

namespace Stoke.Pipelines.Execution;

public sealed partial class PipelineRunner
{
    // One request's values and step tasks.
    private sealed partial class Run(PipelineRunner runner, FunctionSpec pipeline, CompiledPipeline compiled, InferenceRequest request, InvocationOptions options, CancellationTokenSource cancel)
    {
        private readonly CancellationToken _cancellationToken = cancel.Token;
        private readonly ConcurrentDictionary<string, Tensor> _values = new(
            request.Inputs.Select(i => KeyValuePair.Create(TensorRef.InputStep + "." + i.Name, i)), StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Lazy<Task>> _tasks = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Lazy<Dictionary<string, TaskCompletionSource>>> _fused = new(StringComparer.Ordinal);

        public ConcurrentBag<UsageRecord> Usage { get; } = [];

        public ConcurrentDictionary<string, StepTrace> Traces { get; } = new(StringComparer.Ordinal);

        /// <summary>The first step failure, named; later ones (cancelled by it) are not reported.</summary>
        public StokeException? Failure { get; private set; }

        public Tensor Value(TensorRef from) => _values[from.ToString()];

        /// <summary>The step's task: started once, after the steps it reads from (a fused step's, by its group).</summary>
        public Task Of(CompiledStep step) => compiled.Fusion.GroupOf(step.Name) switch
        {
            // One call of the group's composite function runs all its steps.
            { Composite: true } composite => _tasks.GetOrAdd(composite.Name, _ => new Lazy<Task>(() => RunCompositeAsync(composite))).Value,
            // The transform runs within its function step's calls: both are done when that step is.
            { OnInstance: true } onInstance => _tasks.GetOrAdd(onInstance.Steps[0], name => new Lazy<Task>(() => RunAsync(compiled.ByName[name]))).Value,
            { } group => _fused.GetOrAdd(group.Name, _ => new Lazy<Dictionary<string, TaskCompletionSource>>(() => Start(group))).Value[step.Name].Task,
            null => _tasks.GetOrAdd(step.Name, _ => new Lazy<Task>(() => RunAsync(step))).Value,
        };

        private async Task RunAsync(CompiledStep step)
        {
            await Task.WhenAll(step.ReadsFrom.Select(s => Of(compiled.ByName[s])));
            await ExecuteAsync(step, null);
        }

        // A fused group: one task waits for what its first step reads (everything else its steps read is done by
        // then, the policy checked it), then runs the steps one after another; each step's own task completes as
        // soon as that step is done, for the steps outside the group that read it.
        private Dictionary<string, TaskCompletionSource> Start(FusedGroup group)
        {
            var done = group.Steps.ToDictionary(s => s, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
            _ = RunGroupAsync(group, done);
            return done;
        }

        private async Task RunGroupAsync(FusedGroup group, Dictionary<string, TaskCompletionSource> done)
        {
            try
            {
                await Task.WhenAll(compiled.ByName[group.Steps[0]].ReadsFrom.Select(s => Of(compiled.ByName[s])));
                foreach (var step in group.Steps)
                {
                    await ExecuteAsync(compiled.ByName[step], group.Name);
                    done[step].SetResult();
                }
            }
            catch (Exception ex)
            {
                foreach (var step in done.Values)
                {
                    step.TrySetException(ex);
                }
            }
        }

        private async Task ExecuteAsync(CompiledStep step, string? group)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var started = runner.Time.GetTimestamp();
            var calls = new ConcurrentBag<InferenceOutcome>();
            // A function step with a transform fused onto its instances: its calls answer with the transform's outputs.
            var onInstance = compiled.Fusion.GroupOf(step.Name) is { OnInstance: true } fused ? fused : null;
            var then = onInstance is null ? null : compiled.ByName[onInstance.Steps[1]];
            var gives = then ?? step;
            try
            {
                var outputs = step.Kind switch
                {
                    StepKind.Switch => await SwitchAsync(step),
                    StepKind.Ensemble => await EnsembleAsync(step),
                    StepKind.Splitter => await SplitAsync(step, gives, calls),
                    _ => await WorkAsync(step, Inputs(step), calls, then),
                };
                foreach (var output in outputs)
                {
                    _values[gives.Name + "." + output.Name] = output;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_cancellationToken.IsCancellationRequested)
            {
                await FailAsync(step.Name, step.Runs, ex);
                throw;
            }
            finally
            {
                var first = calls.FirstOrDefault(c => c.Usage.ColdStartTier is not null) ?? calls.FirstOrDefault();
                Traces[step.Name] = new StepTrace(
                    step.Name, step.Runs, runner.Time.GetElapsedTime(started).TotalMilliseconds, Math.Max(1, calls.Count), [.. calls.Select(c => c.Usage.BatchSize)],
                    first?.InstanceId, first?.Usage.ColdStartTier, first?.Usage.ColdStartMs ?? 0, group ?? onInstance?.Name);
                if (then is not null)
                {
                    // Its time is inside its function step's calls.
                    Traces[then.Name] = new StepTrace(then.Name, then.Runs, 0, Math.Max(1, calls.Count), [], first?.InstanceId, null, 0, onInstance!.Name);
                }
            }
        }

        private async Task FailAsync(string step, string runs, Exception ex)
        {
            lock (_tasks)
            {
                Failure ??= Named(step, runs, ex);
            }

            // The request has failed: the steps still running are cancelled, down to their batchers.
            await cancel.CancelAsync();
        }

        private Dictionary<string, Tensor> Inputs(CompiledStep step) =>
            step.Inputs.ToDictionary(i => i.Input, i => Value(i.From) with { Name = i.Input }, StringComparer.Ordinal);

        // A function call (through the runtime) or a transform (here), on one set of inputs.
        private async Task<Tensor[]> WorkAsync(CompiledStep step, Dictionary<string, Tensor> inputs, ConcurrentBag<InferenceOutcome> calls, CompiledStep? then = null)
        {
            if (step.Transform is { } transform)
            {
                var outputs = transform.Run(inputs);
                return [.. outputs.Select((t, i) => t with { Name = transform.Outputs[i].Name })];
            }

            var spec = await runner.ResolveAsync(pipeline.Tenant, step, _cancellationToken);
            var call = new InferenceRequest(request.Id, [.. inputs.Values], null)
            {
                Then = then is null ? null : new FusedStepRef(pipeline.Tenant, pipeline.Name, pipeline.Version, then.Name),
            };
            var outcome = await runner.InvokeAsync(spec, call, options, _cancellationToken);
            calls.Add(outcome);
            Usage.Add(outcome.Usage);
            return outcome.Outputs;
        }

        // One call per row, all at once (so the function's instance batches them), joined along dimension 0.
        private async Task<Tensor[]> SplitAsync(CompiledStep step, CompiledStep gives, ConcurrentBag<InferenceOutcome> calls)
        {
            var inputs = Inputs(step);
            var rows = inputs.ToDictionary(i => i.Key, i => TensorOps.SplitRows(i.Value), StringComparer.Ordinal);
            var count = rows.Values.First().Length;
            if (rows.Values.Any(r => r.Length != count))
            {
                throw new StokeException(StokeErrorKind.BadRequest, "its inputs have different numbers of rows: " + string.Join(", ", rows.Select(r => $"{r.Key} {r.Value.Length}")));
            }

            var then = gives == step ? null : gives;
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(r =>
                WorkAsync(step, rows.ToDictionary(x => x.Key, x => x.Value[r], StringComparer.Ordinal), calls, then)));
            return [.. gives.Outputs.Select(o => TensorOps.ConcatRows(o.Name, [.. results.Select(r => r.First(t => t.Name == o.Name))], o))];
        }

        private async Task<Tensor[]> SwitchAsync(CompiledStep step)
        {
            TensorRef.TryParse(step.Spec.On, out var on);
            var chosen = Choose(step.Spec, Value(on)) ?? throw new StokeException(StokeErrorKind.BadRequest, $"no case matches '{on}' and it has no default");
            var branch = compiled.ByName[chosen];
            await Of(branch);
            return [.. branch.Outputs.Select(o => Value(new TensorRef(branch.Name, o.Name)))];
        }

        private async Task<Tensor[]> EnsembleAsync(CompiledStep step)
        {
            var members = step.Spec.Members.Select(m => compiled.ByName[m]).ToArray();
            await Task.WhenAll(members.Select(Of));
            return [.. step.Outputs.Select(o => Combine(step.Spec.Combine, o, [.. members.Select(m => Value(new TensorRef(m.Name, o.Name)))]))];
        }
    }

    /// <summary>The switch's case for the condition tensor's first element, or its default.</summary>
    internal static string? Choose(StepSpec spec, Tensor condition)
    {
        string text;
        double? number = null;
        if (condition.DataType == TensorDataType.Bytes)
        {
            var elements = TensorOps.ReadBytesElements(condition);
            text = elements.Count > 0 ? Encoding.UTF8.GetString(elements[0]) : "";
        }
        else
        {
            number = FirstNumber(condition);
            text = number.Value.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var c in spec.Cases)
        {
            if ((c.EqualsValue is { } e && e == text) || (c.Above is { } a && number > a) || (c.Below is { } b && number < b))
            {
                return c.Step;
            }
        }

        return spec.Default;
    }

    private static double FirstNumber(Tensor t)
    {
        if (t.Data.Length < Math.Max(1, t.DataType.ElementSize()))
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"the condition '{t.Name}' is empty");
        }

        return t.DataType switch
        {
            TensorDataType.FP32 => BitConverter.ToSingle(t.Data),
            TensorDataType.FP64 => BitConverter.ToDouble(t.Data),
            TensorDataType.Int32 => BitConverter.ToInt32(t.Data),
            TensorDataType.Int64 => BitConverter.ToInt64(t.Data),
            TensorDataType.Bool or TensorDataType.UInt8 => t.Data[0],
            _ => throw new StokeException(StokeErrorKind.BadRequest, $"a switch tests FP32, FP64, INT32, INT64, BOOL, UINT8 or BYTES, not {t.DataType.ToWireName()}"),
        };
    }

    internal static Tensor Combine(string how, TensorSpec output, Tensor[] parts)
    {
        if (how == "concat")
        {
            return TensorOps.ConcatRows(output.Name, parts, output);
        }

        if (parts.Any(p => !p.Shape.AsSpan().SequenceEqual(parts[0].Shape)))
        {
            throw new StokeException(StokeErrorKind.Internal, $"the members' '{output.Name}' outputs have different shapes");
        }

        var result = TensorOps.AsFloats(parts[0]).ToArray();
        foreach (var part in parts.Skip(1))
        {
            var values = TensorOps.AsFloats(part);
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = how == "max" ? Math.Max(result[i], values[i]) : result[i] + values[i];
            }
        }

        if (how == "mean")
        {
            for (var i = 0; i < result.Length; i++)
            {
                result[i] /= parts.Length;
            }
        }

        return TensorOps.Floats(output.Name, parts[0].Shape, result);
    }

    // The request fails with the step's name and its error; a client's mistake stays a 400, an overload a 503.
    private static StokeException Named(string step, string runs, Exception ex) => ex switch
    {
        StokeException s => s.RetryAfter is { } retry
            ? new StokeException(s.Kind, $"Step '{step}' ({runs}) failed: {s.Message}", retry)
            : new StokeException(s.Kind, $"Step '{step}' ({runs}) failed: {s.Message}", s),
        OperationCanceledException => new StokeException(StokeErrorKind.DeadlineExceeded, $"Step '{step}' ({runs}) was cancelled.", ex),
        _ => new StokeException(StokeErrorKind.Internal, $"Step '{step}' ({runs}) failed: {ex.Message}", ex),
    };
}
