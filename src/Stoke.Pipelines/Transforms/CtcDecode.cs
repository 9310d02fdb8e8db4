using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Tensors;

namespace Stoke.Pipelines.Transforms;

/// <summary>
/// <c>ctc.decode</c>: a recognizer's per-timestep class scores (FP32 [N,T,C]) to text, greedily: the best class per
/// step, repeats collapsed, blanks (class 0) dropped. Class i (1..K) is line i of the <c>keys</c> file; with
/// <c>space</c> (default) class K+1 is a space. Answers <c>text</c> BYTES [N] and <c>scores</c> FP32 [N] (the mean
/// score of the kept characters).
/// </summary>
internal sealed class CtcDecode(string[] alphabet) : ITransform
{
    public bool RowWise => true;

    public TensorSpec[] Inputs { get; } = [new("probs", TensorDataType.FP32, [-1, -1, alphabet.Length])];

    public TensorSpec[] Outputs { get; } = [new("text", TensorDataType.Bytes, [-1]), new("scores", TensorDataType.FP32, [-1])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var probs = inputs["probs"];
        int n = (int)probs.Shape[0], steps = (int)probs.Shape[1], classes = (int)probs.Shape[2];
        var values = TensorOps.AsFloats(probs);
        var texts = new string[n];
        var scores = new float[n];
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < n; i++)
        {
            text.Clear();
            double sum = 0;
            var kept = 0;
            var previous = 0;
            for (var t = 0; t < steps; t++)
            {
                var row = values.Slice(((i * steps) + t) * classes, classes);
                var best = 0;
                for (var c = 1; c < classes; c++)
                {
                    if (row[c] > row[best])
                    {
                        best = c;
                    }
                }

                if (best != 0 && best != previous)
                {
                    text.Append(alphabet[best]);
                    sum += row[best];
                    kept++;
                }

                previous = best;
            }

            texts[i] = text.ToString().Trim();
            scores[i] = kept == 0 ? 0 : (float)(sum / kept);
        }

        return [TensorOps.Strings("text", texts), TensorOps.Floats("scores", [n], scores)];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "ctc.decode";

        public string Summary => "recognizer scores FP32 [N,T,C] to text BYTES [N] (greedy CTC; keys file, blank 0, space last)";

        public ITransform Create(TransformSettings s)
        {
            var keys = s.File("keys").Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            if (keys.Count > 0 && keys[^1].Length == 0)
            {
                keys.RemoveAt(keys.Count - 1);
            }

            List<string> alphabet = ["", .. keys];
            if (s.Bool("space", true))
            {
                alphabet.Add(" ");
            }

            return new CtcDecode([.. alphabet]);
        }
    }
}
