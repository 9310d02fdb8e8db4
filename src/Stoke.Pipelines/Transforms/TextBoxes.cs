using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Tensors;

namespace Stoke.Pipelines.Transforms;

/// <summary>
/// <c>ocr.boxes</c>: a text detector's probability map (FP32 [1,1,H,W], DB-style) to text-line boxes in the original
/// image: pixels above <c>threshold</c> grouped into 8-connected regions, each kept when its mean probability reaches
/// <c>boxThreshold</c> and its sides <c>minSize</c>, grown by <c>unclipRatio</c> (area x ratio / perimeter on every
/// side, as DB's unclip does for a rectangle), scaled back by <c>scale</c>, ordered top to bottom, left to right.
/// Answers <c>boxes</c> INT32 [N,4] (x0,y0,x1,y1) and <c>scores</c> FP32 [N].
/// </summary>
internal sealed class TextBoxes(float threshold, float boxThreshold, float unclipRatio, int minSize) : ITransform
{
    public TensorSpec[] Inputs { get; } = [new("map", TensorDataType.FP32, [1, 1, -1, -1]), new("scale", TensorDataType.FP32, [2])];

    public TensorSpec[] Outputs { get; } = [new("boxes", TensorDataType.Int32, [-1, 4]), new("scores", TensorDataType.FP32, [-1])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var map = inputs["map"];
        int h = (int)map.Shape[2], w = (int)map.Shape[3];
        var prob = TensorOps.AsFloats(map).ToArray();
        var scale = TensorOps.AsFloats(inputs["scale"]);
        float sy = scale[0], sx = scale[1];
        var found = new List<(int[] Box, float Score)>();
        var seen = new bool[h * w];
        var stack = new Stack<int>();
        for (var start = 0; start < prob.Length; start++)
        {
            if (seen[start] || prob[start] <= threshold)
            {
                continue;
            }

            int x0 = w, y0 = h, x1 = -1, y1 = -1, count = 0;
            double sum = 0;
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                int py = p / w, px = p % w;
                (x0, x1, y0, y1) = (Math.Min(x0, px), Math.Max(x1, px), Math.Min(y0, py), Math.Max(y1, py));
                sum += prob[p];
                count++;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int ny = py + dy, nx = px + dx;
                        if (ny >= 0 && ny < h && nx >= 0 && nx < w && !seen[(ny * w) + nx] && prob[(ny * w) + nx] > threshold)
                        {
                            seen[(ny * w) + nx] = true;
                            stack.Push((ny * w) + nx);
                        }
                    }
                }
            }

            double bw = x1 - x0 + 1, bh = y1 - y0 + 1;
            var score = (float)(sum / count);
            if (Math.Min(bw, bh) < minSize || score < boxThreshold)
            {
                continue;
            }

            var grow = bw * bh * unclipRatio / (2 * (bw + bh));
            var original = (int)Math.Round(h * sy);
            var originalW = (int)Math.Round(w * sx);
            found.Add(([
                Math.Clamp((int)Math.Floor((x0 - grow) * sx), 0, originalW - 1),
                Math.Clamp((int)Math.Floor((y0 - grow) * sy), 0, original - 1),
                Math.Clamp((int)Math.Ceiling((x1 + 1 + grow) * sx), 1, originalW),
                Math.Clamp((int)Math.Ceiling((y1 + 1 + grow) * sy), 1, original),
            ], score));
        }

        // Reading order: by line (boxes whose tops are within half a line of each other), then left to right.
        found.Sort((a, b) => Math.Abs(a.Box[1] - b.Box[1]) * 2 < Math.Min(a.Box[3] - a.Box[1], b.Box[3] - b.Box[1])
            ? a.Box[0].CompareTo(b.Box[0])
            : a.Box[1].CompareTo(b.Box[1]));
        return
        [
            TensorOps.Ints("boxes", [found.Count, 4], [.. found.SelectMany(f => f.Box)]),
            TensorOps.Floats("scores", [found.Count], [.. found.Select(f => f.Score)]),
        ];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "ocr.boxes";

        public string Summary => "text detector's probability map to line boxes INT32 [N,4] and scores (threshold, boxThreshold, unclipRatio, minSize)";

        public ITransform Create(TransformSettings s) => new TextBoxes(
            s.Float("threshold", 0.3f), s.Float("boxThreshold", 0.6f), s.Float("unclipRatio", 1.5f), s.Int("minSize", 3, 1));
    }
}
