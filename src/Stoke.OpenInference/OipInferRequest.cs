using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>
/// A parsed infer request: the platform's <see cref="InferenceRequest"/> plus the protocol-only options that
/// shape the response (binary outputs, request parameters).
/// </summary>
public sealed class OipInferRequest
{
    private static readonly Dictionary<string, object> NoParameters = [];

    public OipInferRequest(
        InferenceRequest request,
        IReadOnlyList<OipRequestedOutput>? outputs = null,
        IReadOnlyDictionary<string, object>? parameters = null)
    {
        Request = request;
        Outputs = outputs ?? [];
        Parameters = parameters ?? NoParameters;
        BinaryDataOutput = Parameters.TryGetValue("binary_data_output", out var v) && v is true;
    }

    public InferenceRequest Request { get; }

    /// <summary>The request's <c>outputs</c> entries; empty when it asked for all outputs.</summary>
    public IReadOnlyList<OipRequestedOutput> Outputs { get; }

    /// <summary>Request-level <c>parameters</c>; values are <see cref="string"/>, <see cref="long"/>, <see cref="double"/> or <see cref="bool"/>.</summary>
    public IReadOnlyDictionary<string, object> Parameters { get; }

    /// <summary>The request parameter <c>binary_data_output</c>: every output is returned as binary data.</summary>
    public bool BinaryDataOutput { get; }

    /// <summary>True when the named output should be written as binary data rather than a JSON array.</summary>
    public bool WantsBinary(string outputName)
    {
        if (BinaryDataOutput)
        {
            return true;
        }

        foreach (var o in Outputs)
        {
            if (o.BinaryData && string.Equals(o.Name, outputName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the response should include the named output (all are, unless the request listed some).</summary>
    public bool Includes(string outputName)
    {
        if (Outputs.Count == 0)
        {
            return true;
        }

        foreach (var o in Outputs)
        {
            if (string.Equals(o.Name, outputName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
