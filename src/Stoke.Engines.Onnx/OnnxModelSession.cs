using Microsoft.ML.OnnxRuntime;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx;

/// <summary>
/// One ONNX Runtime session behind the platform's raw-tensor contract. <see cref="Run"/> is thread-safe, and
/// <see cref="Dispose"/> waits for in-flight runs: the native session is released by whichever finishes last.
/// </summary>
public sealed class OnnxModelSession : IModelSession
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Dictionary<string, TensorSpec> _inputs;
    private readonly HashSet<string> _outputs;
    private readonly string[] _allOutputs;

    // One reference for the owner plus one per run in flight; the native objects go when it reaches zero.
    private int _references = 1;
    private int _disposed;

    internal OnnxModelSession(InferenceSession session, long artifactBytes)
    {
        _session = session;
        Signature = OnnxSignature.Read(session);
        _inputs = Signature.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _allOutputs = Array.ConvertAll(Signature.Outputs, o => o.Name);
        _outputs = new HashSet<string>(_allOutputs, StringComparer.Ordinal);
        ArtifactBytes = artifactBytes;
    }

    /// <inheritdoc />
    public ModelSignature Signature { get; }

    /// <summary>
    /// Size of the model file. The weights dominate a CPU session's memory, so this is a cheap lower bound of its
    /// footprint (activations and the arena come on top and depend on the batch).
    /// </summary>
    public long ArtifactBytes { get; }

    /// <inheritdoc />
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var outputNames = outputs is null ? _allOutputs : ValidateOutputs(outputs);
        ValidateInputs(inputs);

        AddReference();
        using var activity = OnnxTracing.StartRun(inputs.Count);
        try
        {
            return RunCore(inputs, outputNames);
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    private Tensor[] RunCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        var names = new string[inputs.Count];
        var pinned = new PinnedOrtValue[inputs.Count];
        var values = new OrtValue[inputs.Count];
        var created = 0;
        try
        {
            for (; created < inputs.Count; created++)
            {
                names[created] = inputs[created].Name;
                pinned[created] = OrtTensorConverter.ToOrtValue(inputs[created]);
                values[created] = pinned[created].Value;
            }

            using var results = _session.Run(_runOptions, names, values, outputNames);
            var tensors = new Tensor[outputNames.Count];
            var i = 0;
            foreach (var result in results)
            {
                tensors[i] = OrtTensorConverter.FromOrtValue(outputNames[i], result);
                i++;
            }

            return tensors;
        }
        finally
        {
            for (var i = 0; i < created; i++)
            {
                pinned[i].Dispose();
            }
        }
    }

    private void ValidateInputs(IReadOnlyList<Tensor> inputs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (!_inputs.TryGetValue(input.Name, out var spec))
            {
                throw new ArgumentException($"The model has no input '{input.Name}'; its inputs are {string.Join(", ", _inputs.Keys)}.", nameof(inputs));
            }

            if (!seen.Add(input.Name))
            {
                throw new ArgumentException($"Input '{input.Name}' is given twice.", nameof(inputs));
            }

            if (input.DataType != spec.DataType)
            {
                throw new ArgumentException(
                    $"Input '{input.Name}' is {input.DataType.ToWireName()} but the model takes {spec.DataType.ToWireName()}.", nameof(inputs));
            }

            if (!ShapeFits(input.Shape, spec.Shape))
            {
                throw new ArgumentException(
                    $"Input '{input.Name}' has shape {TensorShape.Format(input.Shape)} but the model takes {TensorShape.Format(spec.Shape)} (-1: any size).",
                    nameof(inputs));
            }
        }

        if (seen.Count != _inputs.Count)
        {
            var missing = _inputs.Keys.Where(k => !seen.Contains(k));
            throw new ArgumentException($"Missing model inputs: {string.Join(", ", missing)}.", nameof(inputs));
        }
    }

    private IReadOnlyList<string> ValidateOutputs(IReadOnlyList<string> outputs)
    {
        foreach (var name in outputs)
        {
            if (!_outputs.Contains(name))
            {
                throw new ArgumentException($"The model has no output '{name}'; its outputs are {string.Join(", ", _allOutputs)}.", nameof(outputs));
            }
        }

        return outputs;
    }

    private static bool ShapeFits(long[] shape, long[] spec)
    {
        if (shape.Length != spec.Length)
        {
            return false;
        }

        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0 || (spec[i] != TensorShape.Dynamic && spec[i] != shape[i]))
            {
                return false;
            }
        }

        return true;
    }

    private void AddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                throw new ObjectDisposedException(nameof(OnnxModelSession));
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return;
            }
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _session.Dispose();
            _runOptions.Dispose();
        }
    }
}
