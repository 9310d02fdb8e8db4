using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>
/// Checks a request against the model's signature before it is queued, so a bad request fails fast with a
/// message naming the input and what was expected, instead of failing inside an engine.
/// </summary>
public static class OipValidator
{
    /// <summary>Throws <see cref="OipException"/> (400) at the first mismatch.</summary>
    public static void Validate(InferenceRequest request, ModelSignature signature)
    {
        var inputs = request.Inputs;
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(inputs[j].Name, input.Name, StringComparison.Ordinal))
                {
                    throw OipException.BadRequest($"input '{input.Name}' is given more than once");
                }
            }

            var spec = Find(signature.Inputs, input.Name)
                ?? throw OipException.BadRequest(
                    $"unknown input '{input.Name}'; the model takes {Names(signature.Inputs)}");
            ValidateInput(input, spec);
        }

        foreach (var spec in signature.Inputs)
        {
            if (Find(inputs, spec.Name) is null)
            {
                throw OipException.BadRequest(
                    $"missing input '{spec.Name}' ({spec.DataType.ToWireName()} {TensorShape.Format(spec.Shape)})");
            }
        }

        foreach (var output in request.RequestedOutputs ?? [])
        {
            if (Find(signature.Outputs, output) is null)
            {
                throw OipException.BadRequest(
                    $"unknown output '{output}'; the model gives {Names(signature.Outputs)}");
            }
        }
    }

    private static void ValidateInput(Tensor input, TensorSpec spec)
    {
        var name = input.Name;
        if (input.DataType != spec.DataType)
        {
            throw OipException.BadRequest(
                $"input '{name}' has datatype {input.DataType.ToWireName()} but the model expects {spec.DataType.ToWireName()}");
        }

        var got = TensorShape.Format(input.Shape);
        var expected = TensorShape.Format(spec.Shape);
        if (input.Shape.Length != spec.Shape.Length)
        {
            throw OipException.BadRequest(
                $"input '{name}' has shape {got} (rank {input.Shape.Length}) but the model expects rank {spec.Shape.Length} {expected}");
        }

        for (var d = 0; d < spec.Shape.Length; d++)
        {
            if (input.Shape[d] < 0)
            {
                throw OipException.BadRequest($"input '{name}' has shape {got} with a negative dimension {d}");
            }

            if (spec.Shape[d] != TensorShape.Dynamic && spec.Shape[d] != input.Shape[d])
            {
                throw OipException.BadRequest(
                    $"input '{name}' has shape {got} but the model expects {expected} (dimension {d} must be {spec.Shape[d]}, got {input.Shape[d]})");
            }
        }

        var count = input.ElementCount;
        var size = input.DataType.ElementSize();
        if (size > 0)
        {
            if (input.Data.LongLength != count * size)
            {
                throw OipException.BadRequest(
                    $"input '{name}' has {input.Data.LongLength / size} elements ({input.Data.LongLength} bytes) but shape {got} needs {count}");
            }
        }
        else
        {
            var elements = RawTensor.CountBytesElements(input.Data);
            if (elements != count)
            {
                throw OipException.BadRequest(elements < 0
                    ? $"input '{name}' has malformed BYTES data"
                    : $"input '{name}' has {elements} elements but shape {got} needs {count}");
            }
        }
    }

    private static TensorSpec? Find(TensorSpec[] specs, string name)
    {
        foreach (var s in specs)
        {
            if (string.Equals(s.Name, name, StringComparison.Ordinal))
            {
                return s;
            }
        }

        return null;
    }

    private static Tensor? Find(Tensor[] tensors, string name)
    {
        foreach (var t in tensors)
        {
            if (string.Equals(t.Name, name, StringComparison.Ordinal))
            {
                return t;
            }
        }

        return null;
    }

    private static string Names(TensorSpec[] specs) =>
        specs.Length == 0 ? "none" : string.Join(", ", specs.Select(s => $"'{s.Name}'"));
}
