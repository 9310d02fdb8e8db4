using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Tensors;

namespace Stoke.Pipelines.Transforms;

/// <summary><c>softmax</c>: FP32 [N,C] logits to probabilities along the last dimension.</summary>
internal sealed class Softmax : ITransform
{
    public bool RowWise => true;

    public TensorSpec[] Inputs { get; } = [new("logits", TensorDataType.FP32, [-1, -1])];

    public TensorSpec[] Outputs { get; } = [new("probs", TensorDataType.FP32, [-1, -1])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var x = inputs["logits"];
        var values = TensorOps.AsFloats(x).ToArray();
        var c = (int)x.Shape[^1];
        for (var row = 0; row + c <= values.Length; row += c)
        {
            var span = values.AsSpan(row, c);
            var max = float.NegativeInfinity;
            foreach (var v in span)
            {
                max = Math.Max(max, v);
            }

            var sum = 0f;
            for (var i = 0; i < c; i++)
            {
                span[i] = MathF.Exp(span[i] - max);
                sum += span[i];
            }

            for (var i = 0; i < c; i++)
            {
                span[i] /= sum;
            }
        }

        return [TensorOps.Floats("probs", x.Shape, values)];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "softmax";

        public string Summary => "FP32 [N,C] to probabilities along C";

        public ITransform Create(TransformSettings settings) => new Softmax();
    }
}

/// <summary><c>topk</c>: the <c>k</c> largest scores of each row of FP32 [N,C] and their classes (INT32).</summary>
internal sealed class TopK(int k) : ITransform
{
    public bool RowWise => true;

    public TensorSpec[] Inputs { get; } = [new("scores", TensorDataType.FP32, [-1, -1])];

    public TensorSpec[] Outputs { get; } = [new("values", TensorDataType.FP32, [-1, k]), new("indices", TensorDataType.Int32, [-1, k])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var x = inputs["scores"];
        var values = TensorOps.AsFloats(x);
        int n = (int)x.Shape[0], c = (int)x.Shape[1], take = Math.Min(k, c);
        var top = new float[n * k];
        var indices = new int[n * k];
        for (var r = 0; r < n; r++)
        {
            var row = values.Slice(r * c, c).ToArray();
            var order = Enumerable.Range(0, c).OrderByDescending(i => row[i]).Take(take).ToArray();
            for (var j = 0; j < take; j++)
            {
                top[(r * k) + j] = row[order[j]];
                indices[(r * k) + j] = order[j];
            }
        }

        return [TensorOps.Floats("values", [n, k], top), TensorOps.Ints("indices", [n, k], indices)];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "topk";

        public string Summary => "k best scores and classes of each row (k)";

        public ITransform Create(TransformSettings s) => new TopK(s.Int("k", 5, 1));
    }
}

/// <summary><c>pool</c>: the mean over dimension 1 of FP32 [N,T,D] (token vectors to one vector per row).</summary>
internal sealed class MeanPool : ITransform
{
    public bool RowWise => true;

    public TensorSpec[] Inputs { get; } = [new("tokens", TensorDataType.FP32, [-1, -1, -1])];

    public TensorSpec[] Outputs { get; } = [new("pooled", TensorDataType.FP32, [-1, -1])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var x = inputs["tokens"];
        var values = TensorOps.AsFloats(x);
        int n = (int)x.Shape[0], t = (int)x.Shape[1], d = (int)x.Shape[2];
        var pooled = new float[n * d];
        for (var r = 0; r < n; r++)
        {
            for (var s = 0; s < t; s++)
            {
                for (var j = 0; j < d; j++)
                {
                    pooled[(r * d) + j] += values[(((r * t) + s) * d) + j] / t;
                }
            }
        }

        return [TensorOps.Floats("pooled", [n, d], pooled)];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "pool";

        public string Summary => "mean over dimension 1 of FP32 [N,T,D]";

        public ITransform Create(TransformSettings settings) => new MeanPool();
    }
}
