using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Tensors;

namespace Stoke.Pipelines.Transforms;

/// <summary>
/// <c>image.crop</c>: cuts each box (INT32 [N,4]) out of RGB pixels into a line tensor FP32 [N,3,height,W], resized to
/// <c>height</c> keeping its aspect and normalised to (x/255-0.5)/0.5, right-padded with 0. With <c>width</c> every line
/// is that wide (a wider one is squeezed); without, W is the widest line rounded up to <c>widthStep</c> (at least
/// <c>minWidth</c>), so that the lines of a page, and equal pages, batch together. An optional <c>direction</c> input
/// (FP32 [N,2], a direction classifier's output) turns a line 180 degrees when its second score exceeds <c>flipAbove</c>.
/// </summary>
internal sealed class LineCrop(int height, int? width, int minWidth, int widthStep, int maxWidth, float flipAbove, bool directed) : ITransform
{
    public TensorSpec[] Inputs { get; } = directed
        ? [new("image", TensorDataType.UInt8, [-1, -1, 3]), new("boxes", TensorDataType.Int32, [-1, 4]), new("direction", TensorDataType.FP32, [-1, 2])]
        : [new("image", TensorDataType.UInt8, [-1, -1, 3]), new("boxes", TensorDataType.Int32, [-1, 4])];

    public TensorSpec[] Outputs { get; } = [new("lines", TensorDataType.FP32, [-1, 3, height, width ?? -1])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var image = inputs["image"];
        int h = (int)image.Shape[0], w = (int)image.Shape[1];
        var boxes = TensorOps.AsInts(inputs["boxes"]).ToArray();
        var n = boxes.Length / 4;
        var direction = directed ? TensorOps.AsFloats(inputs["direction"]).ToArray() : null;
        if (direction is not null && direction.Length != n * 2)
        {
            throw new InvalidDataException($"input 'direction' has {direction.Length / 2} rows for {n} boxes");
        }

        var widths = new int[n];
        for (var i = 0; i < n; i++)
        {
            var (bw, bh) = (Math.Max(1, boxes[(i * 4) + 2] - boxes[i * 4]), Math.Max(1, boxes[(i * 4) + 3] - boxes[(i * 4) + 1]));
            widths[i] = Math.Max(1, (int)Math.Ceiling((double)height * bw / bh));
        }

        var lineWidth = width ?? Math.Min(maxWidth, Math.Max(minWidth, RoundUp(widths.DefaultIfEmpty(0).Max(), widthStep)));
        var plane = height * lineWidth;
        var output = new float[n * 3 * plane];
        for (var i = 0; i < n; i++)
        {
            int x0 = Math.Clamp(boxes[i * 4], 0, w - 1), y0 = Math.Clamp(boxes[(i * 4) + 1], 0, h - 1);
            int x1 = Math.Clamp(boxes[(i * 4) + 2], x0 + 1, w), y1 = Math.Clamp(boxes[(i * 4) + 3], y0 + 1, h);
            var flip = direction is not null && direction[(i * 2) + 1] > flipAbove;
            var tw = Math.Min(widths[i], lineWidth);
            Pixels.ResizeInto(image.Data, h, w, y0, x0, y1 - y0, x1 - x0, output, height, tw, lineWidth, flip, static (_, v) => (v / 127.5f) - 1f, i * 3 * plane);
        }

        return [TensorOps.Floats("lines", [n, 3, height, lineWidth], output)];
    }

    private static int RoundUp(int value, int step) => (value + step - 1) / step * step;

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "image.crop";

        public string Summary => "boxes cut from RGB pixels into FP32 [N,3,height,W] lines (height, width or minWidth/widthStep/maxWidth; optional direction input, flipAbove)";

        public ITransform Create(TransformSettings s)
        {
            var width = s.Int("width", 0, 0);
            return new LineCrop(
                s.Int("height", 48, 1), width == 0 ? null : width, s.Int("minWidth", 32, 1), s.Int("widthStep", 32, 1), s.Int("maxWidth", 2048, 1),
                s.Float("flipAbove", 0.9f), s.Wires("direction"));
        }
    }
}
