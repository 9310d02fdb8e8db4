using System.Globalization;
using System.Text;
using System.Text.Json;
using Stoke.OpenInference;

namespace Stoke.OpenInference.Tests;

/// <summary>
/// The JSON float formatter writes exactly what <c>float.TryFormat</c> (and so <c>Utf8JsonWriter</c>) writes: the
/// shortest digits that read back as the same float, in the same notation. Checked against .NET over an even spread
/// of all 2^32 bit patterns and the values where the notation or the digit rules change.
/// </summary>
public sealed class ShortestSingleTests
{
    public static TheoryData<float> EdgeValues => new(
        float.Epsilon, float.MaxValue, -float.MaxValue, float.MinValue, 1.17549435E-38f, 1.1754942E-38f, -0f,
        1f, 0.1f, 0.2f, 0.3f, 1f / 3, 2f / 3, 16777216f, 16777217f, 33554432f, 8388608.5f,
        1e7f, 99999999f, 1e8f, 123456789f, 999999999f, 1e9f, 1e10f, 1.25e15f, 3.4e38f,
        1e-4f, 0.00012345678f, 9.9999e-5f, 1e-5f, 1.5e-5f, 1e-38f, 1e-40f, 1e-45f, 7e-45f,
        5e-324f, 9.999999e-1f, 0.5f, 2.5f, 1024f, 65504f, 0.000976562f);

    [Theory]
    [MemberData(nameof(EdgeValues))]
    public void EdgeValuesAreWrittenAsDotNetWritesThem(float value) => Assert.Equal(DotNet(value), Ours(value));

    [Fact]
    public void AnEvenSpreadOfEveryBitPatternIsWrittenAsDotNetWritesIt()
    {
        var mismatches = new List<string>();
        var checkedCount = 0;
        for (ulong bits = 0; bits <= uint.MaxValue; bits += 9_973)
        {
            var value = BitConverter.UInt32BitsToSingle((uint)bits);
            if (!float.IsFinite(value))
            {
                continue;
            }

            checkedCount++;
            if (Ours(value) is var ours && ours != DotNet(value) && mismatches.Count < 10)
            {
                mismatches.Add($"{bits:X8}: {ours} (.NET: {DotNet(value)})");
            }
        }

        Assert.True(checkedCount > 400_000, $"only {checkedCount} values checked");
        Assert.Empty(mismatches);
    }

    [Fact]
    public void EverySubnormalAndTheSmallestNormalsAreWrittenAsDotNetWritesThem()
    {
        // Subnormals take the other branch of the interval (no hidden bit, a symmetric lower bound).
        for (uint bits = 0; bits < 0x0080_0000 + 4096; bits += bits < 4096 ? 1u : 997u)
        {
            var value = BitConverter.UInt32BitsToSingle(bits);
            Assert.Equal(DotNet(value), Ours(value));
        }
    }

    [Fact]
    public void AResponseReadsBackToTheSameFloats()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 3_072).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).Where(float.IsFinite).ToArray();
        var text = Encoding.UTF8.GetString(values.SelectMany(v => Encoding.UTF8.GetBytes(Ours(v) + ",")).ToArray()).TrimEnd(',');

        var read = JsonSerializer.Deserialize<float[]>("[" + text + "]")!;

        Assert.Equal(values, read);
    }

    private static string Ours(float value)
    {
        Span<byte> buffer = stackalloc byte[ShortestSingle.MaxLength];
        return Encoding.ASCII.GetString(buffer[..ShortestSingle.Write(value, buffer)]);
    }

    private static string DotNet(float value) => value.ToString(CultureInfo.InvariantCulture);
}
