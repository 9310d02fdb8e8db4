using Microsoft.ML.OnnxRuntime;

namespace Stoke.Partitioning.Execution;

/// <summary>
/// Runs a partitioned model in process: one ONNX Runtime session per slice, each slice fed the previous one's
/// outputs by name. What tests and the partitioning benchmark compare against the whole model.
/// </summary>
public sealed class SliceChain : IDisposable
{
    private readonly List<InferenceSession> _sessions = [];

    /// <summary>Loads every slice; <paramref name="options"/> applies to each session.</summary>
    public SliceChain(IEnumerable<byte[]> slices, SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(slices);
        try
        {
            foreach (var slice in slices)
            {
                _sessions.Add(new InferenceSession(slice, options));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The loaded slices, in order.</summary>
    public IReadOnlyList<InferenceSession> Sessions => _sessions;

    /// <summary>
    /// Runs the slices in order on <paramref name="inputs"/> (the model's own inputs, still owned by the caller) and
    /// returns the last slice's outputs by name; the caller disposes them. Values passed between slices are freed
    /// as soon as the next slice has run.
    /// </summary>
    public Dictionary<string, OrtValue> Run(IReadOnlyDictionary<string, OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Dictionary<string, OrtValue>? passed = null;
        using var runOptions = new RunOptions();
        foreach (var session in _sessions)
        {
            var names = session.InputNames;
            var values = new OrtValue[names.Count];
            for (var i = 0; i < names.Count; i++)
            {
                values[i] = passed?.GetValueOrDefault(names[i]) ?? inputs.GetValueOrDefault(names[i])
                    ?? throw new ArgumentException($"Slice '{session.ModelMetadata.GraphName}' needs input '{names[i]}', which neither the caller nor the previous slice gives.", nameof(inputs));
            }

            var outputs = session.Run(runOptions, names, values, session.OutputNames);
            Free(passed);
            passed = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Count; i++)
            {
                passed[session.OutputNames[i]] = outputs[i];
            }
        }

        return passed ?? throw new InvalidOperationException("The chain has no slices.");
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }

    private static void Free(Dictionary<string, OrtValue>? values)
    {
        foreach (var value in values?.Values ?? Enumerable.Empty<OrtValue>())
        {
            value.Dispose();
        }
    }
}
