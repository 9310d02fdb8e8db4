using Microsoft.ML.OnnxRuntime;
using Stoke.Partitioning.Execution;

namespace Stoke.Partitioning.Tests.Support;

/// <summary>Runs a model whole and as a chain of slices on the same inputs and compares every output.</summary>
internal static class Equivalence
{
    public static void AssertSameOutputs(byte[] model, IReadOnlyList<byte[]> slices, Dictionary<string, OrtValue> inputs, float tolerance)
    {
        using var options = Models.Options();
        using var whole = new InferenceSession(model, options);
        using var chain = new SliceChain(slices, options);
        using var runOptions = new RunOptions();
        var names = whole.InputNames;
        using var expected = whole.Run(runOptions, names, [.. names.Select(n => inputs[n])], whole.OutputNames);
        var actual = chain.Run(inputs);
        try
        {
            Assert.Equal(whole.OutputNames.Order(), actual.Keys.Order());
            for (var i = 0; i < whole.OutputNames.Count; i++)
            {
                var name = whole.OutputNames[i];
                Assert.Equal(expected[i].GetTensorTypeAndShape().Shape, actual[name].GetTensorTypeAndShape().Shape);
                var want = expected[i].GetTensorDataAsSpan<float>().ToArray();
                var got = actual[name].GetTensorDataAsSpan<float>().ToArray();
                Assert.True(want.Length > 0, $"Output {name} is empty.");
                var worst = want.Zip(got, (w, g) => Math.Abs(w - g)).Max();
                Assert.True(worst <= tolerance, $"Output {name} differs from the whole model's by up to {worst} (tolerance {tolerance}).");
            }
        }
        finally
        {
            foreach (var value in actual.Values)
            {
                value.Dispose();
            }
        }
    }
}
