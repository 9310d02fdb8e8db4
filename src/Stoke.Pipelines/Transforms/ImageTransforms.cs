using StbImageSharp;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Tensors;

namespace Stoke.Pipelines.Transforms;

/// <summary><c>image.decode</c>: one encoded image (PNG, JPEG, BMP, GIF, TGA) as a BYTES element to RGB pixels, UINT8 [H,W,3].</summary>
internal sealed class ImageDecode : ITransform
{
    public TensorSpec[] Inputs { get; } = [new("image", TensorDataType.Bytes, [-1])];

    public TensorSpec[] Outputs { get; } = [new("image", TensorDataType.UInt8, [-1, -1, 3])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var elements = TensorOps.ReadBytesElements(inputs["image"]);
        if (elements.Count != 1)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"input 'image' must hold exactly one encoded image, it holds {elements.Count}");
        }

        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(elements[0], ColorComponents.RedGreenBlue);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or OverflowException)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"input 'image' ({elements[0].Length} bytes) is not a decodable image (PNG, JPEG, BMP, GIF or TGA): {ex.Message}");
        }

        return [TensorOps.Bytes("image", [decoded.Height, decoded.Width, 3], decoded.Data)];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "image.decode";

        public string Summary => "encoded image (BYTES) to RGB pixels UINT8 [H,W,3]";

        public ITransform Create(TransformSettings settings) => new ImageDecode();
    }
}

/// <summary>
/// <c>image.normalize</c>: RGB pixels to a model's FP32 [1,3,H',W'] input, resized so the longer side is at most
/// <c>maxSide</c> and each side a multiple of <c>multipleOf</c>, then (x/255 - mean)/std per channel. Also answers
/// <c>scale</c> [2]: original over resized height and width, to map results back.
/// </summary>
internal sealed class ImageNormalize(int maxSide, int multipleOf, float[] mean, float[] std) : ITransform
{
    public TensorSpec[] Inputs { get; } = [new("image", TensorDataType.UInt8, [-1, -1, 3])];

    public TensorSpec[] Outputs { get; } = [new("tensor", TensorDataType.FP32, [1, 3, -1, -1]), new("scale", TensorDataType.FP32, [2])];

    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var image = inputs["image"];
        int h = (int)image.Shape[0], w = (int)image.Shape[1];
        var ratio = Math.Max(h, w) > maxSide ? (double)maxSide / Math.Max(h, w) : 1.0;
        var th = Math.Max(multipleOf, (int)Math.Round(h * ratio / multipleOf) * multipleOf);
        var tw = Math.Max(multipleOf, (int)Math.Round(w * ratio / multipleOf) * multipleOf);
        var output = new float[3 * th * tw];
        Pixels.ResizeInto(image.Data, h, w, 0, 0, h, w, output, th, tw, tw, false, (c, v) => ((v / 255f) - mean[c]) / std[c]);
        return [TensorOps.Floats("tensor", [1, 3, th, tw], output), TensorOps.Floats("scale", [2], [(float)h / th, (float)w / tw])];
    }

    internal sealed class Factory : ITransformFactory
    {
        public string Name => "image.normalize";

        public string Summary => "RGB pixels to FP32 [1,3,H,W]: resize (maxSide, multipleOf), then (x/255-mean)/std";

        public ITransform Create(TransformSettings s) => new ImageNormalize(
            s.Int("maxSide", 960, 1), s.Int("multipleOf", 32, 1),
            s.Floats("mean", [0.485f, 0.456f, 0.406f], 3), s.Floats("std", [0.229f, 0.224f, 0.225f], 3));
    }
}

/// <summary>Bilinear sampling of UINT8 HWC pixels into FP32 CHW planes.</summary>
internal static class Pixels
{
    /// <summary>
    /// Resamples the region (y0,x0,rh,rw) of an HWC image into the top-left th x tw of CHW planes of row width
    /// <paramref name="stride"/>, mapping each channel's value with <paramref name="map"/>; <paramref name="rotate"/> turns it 180 degrees.
    /// </summary>
    public static void ResizeInto(
        byte[] src, int h, int w, int y0, int x0, int rh, int rw, float[] dst, int th, int tw, int stride, bool rotate, Func<int, float, float> map, int offset = 0)
    {
        var plane = th * stride;
        var sy = (double)rh / th;
        var sx = (double)rw / tw;
        for (var y = 0; y < th; y++)
        {
            var fy = Math.Clamp(((y + 0.5) * sy) - 0.5, 0, rh - 1);
            int iy = (int)fy, iy1 = Math.Min(iy + 1, rh - 1);
            var wy = (float)(fy - iy);
            for (var x = 0; x < tw; x++)
            {
                var fx = Math.Clamp(((x + 0.5) * sx) - 0.5, 0, rw - 1);
                int ix = (int)fx, ix1 = Math.Min(ix + 1, rw - 1);
                var wx = (float)(fx - ix);
                var (oy, ox) = rotate ? (th - 1 - y, tw - 1 - x) : (y, x);
                for (var c = 0; c < 3; c++)
                {
                    var a = At(src, w, h, y0 + iy, x0 + ix, c);
                    var b = At(src, w, h, y0 + iy, x0 + ix1, c);
                    var d = At(src, w, h, y0 + iy1, x0 + ix, c);
                    var e = At(src, w, h, y0 + iy1, x0 + ix1, c);
                    var top = a + ((b - a) * wx);
                    var bottom = d + ((e - d) * wx);
                    dst[offset + (c * plane) + (oy * stride) + ox] = map(c, top + ((bottom - top) * wy));
                }
            }
        }
    }

    private static float At(byte[] src, int w, int h, int y, int x, int c) => src[((Math.Clamp(y, 0, h - 1) * w) + Math.Clamp(x, 0, w - 1)) * 3 + c];
}
