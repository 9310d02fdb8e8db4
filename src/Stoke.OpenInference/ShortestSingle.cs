using System.Numerics;

namespace Stoke.OpenInference;

/// <summary>
/// The shortest decimal digits that read back as the same <see cref="float"/>, after Ulf Adams' Ryū (PLDI 2018): the
/// float's rounding interval is scaled by a power of ten with one 64-bit multiplication, and digits are dropped while
/// the interval still holds one number. Written out exactly as <c>float.TryFormat</c> writes it (same digits, same
/// switch to exponent form), which is what <c>Utf8JsonWriter</c> wrote before, at a fraction of its cost: a JSON
/// response of a 3,072-float embedding batch spent most of its formatting time there. Finite values only.
/// </summary>
public static class ShortestSingle
{
    private const int InverseBits = 59;
    private const int PowerBits = 61;

    // 2^k / 5^q rounded up, and 5^i cut to 61 bits: the scale factors of the two exponent signs.
    private static readonly ulong[] InversePowers = Table(31, q => (BigInteger.One << (Pow5Bits(q) - 1 + InverseBits)) / BigInteger.Pow(5, q) + 1);
    private static readonly ulong[] Powers = Table(48, i => Pow5Bits(i) >= PowerBits ? BigInteger.Pow(5, i) >> (Pow5Bits(i) - PowerBits) : BigInteger.Pow(5, i) << (PowerBits - Pow5Bits(i)));

    /// <summary>Longest text written: sign, 9 digits, point, exponent (<c>-1.2345678E-38</c>) or leading zeros (<c>-0.00012345678</c>).</summary>
    public const int MaxLength = 16;

    /// <summary>Writes <paramref name="value"/> (finite) as UTF-8 into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns the bytes written.</summary>
    public static int Write(float value, Span<byte> destination)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var n = 0;
        if ((bits >> 31) != 0)
        {
            destination[n++] = (byte)'-';
        }

        var mantissa = bits & 0x7FFFFF;
        var exponent = (int)((bits >> 23) & 0xFF);
        if (mantissa == 0 && exponent == 0)
        {
            destination[n++] = (byte)'0';
            return n;
        }

        var (digits, decimalExponent) = Shortest(mantissa, exponent);
        return n + Format(digits, decimalExponent, destination[n..]);
    }

    // Ryū's f2s: the digits and the power of ten of their last one.
    private static (uint Digits, int Exponent) Shortest(uint mantissa, int exponent)
    {
        int e2;
        uint m2;
        if (exponent == 0)
        {
            e2 = 1 - 127 - 23 - 2;
            m2 = mantissa;
        }
        else
        {
            e2 = exponent - 127 - 23 - 2;
            m2 = (1u << 23) | mantissa;
        }

        var even = (m2 & 1) == 0;
        var mv = 4 * m2;
        var mp = (4 * m2) + 2;
        var mmShift = mantissa != 0 || exponent <= 1 ? 1u : 0u;
        var mm = (4 * m2) - 1 - mmShift;

        uint vr, vp, vm;
        int e10;
        bool vmTrailingZeros = false, vrTrailingZeros = false;
        uint lastRemoved = 0;
        if (e2 >= 0)
        {
            var q = Log10Pow2(e2);
            e10 = q;
            var k = InverseBits + Pow5Bits(q) - 1;
            var i = -e2 + q + k;
            vr = MulShift(mv, InversePowers[q], i);
            vp = MulShift(mp, InversePowers[q], i);
            vm = MulShift(mm, InversePowers[q], i);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                var l = InverseBits + Pow5Bits(q - 1) - 1;
                lastRemoved = MulShift(mv, InversePowers[q - 1], -e2 + q - 1 + l) % 10;
            }

            if (q <= 9)
            {
                if (mv % 5 == 0)
                {
                    vrTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (even)
                {
                    vmTrailingZeros = MultipleOfPowerOf5(mm, q);
                }
                else
                {
                    vp -= MultipleOfPowerOf5(mp, q) ? 1u : 0u;
                }
            }
        }
        else
        {
            var q = Log10Pow5(-e2);
            e10 = q + e2;
            var i = -e2 - q;
            var k = Pow5Bits(i) - PowerBits;
            var j = q - k;
            vr = MulShift(mv, Powers[i], j);
            vp = MulShift(mp, Powers[i], j);
            vm = MulShift(mm, Powers[i], j);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                j = q - 1 - (Pow5Bits(i + 1) - PowerBits);
                lastRemoved = MulShift(mv, Powers[i + 1], j) % 10;
            }

            if (q <= 1)
            {
                vrTrailingZeros = true;
                if (even)
                {
                    vmTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 31)
            {
                vrTrailingZeros = (mv & ((1u << (q - 1)) - 1)) == 0;
            }
        }

        var removed = 0;
        if (vmTrailingZeros || vrTrailingZeros)
        {
            while (vp / 10 > vm / 10)
            {
                vmTrailingZeros &= vm % 10 == 0;
                vrTrailingZeros &= lastRemoved == 0;
                lastRemoved = vr % 10;
                (vr, vp, vm) = (vr / 10, vp / 10, vm / 10);
                removed++;
            }

            if (vmTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrTrailingZeros &= lastRemoved == 0;
                    lastRemoved = vr % 10;
                    (vr, vp, vm) = (vr / 10, vp / 10, vm / 10);
                    removed++;
                }
            }

            if (vrTrailingZeros && lastRemoved == 5 && vr % 2 == 0)
            {
                lastRemoved = 4; // exactly halfway: round to even
            }

            var up = (vr == vm && (!even || !vmTrailingZeros)) || lastRemoved >= 5;
            return (vr + (up ? 1u : 0u), e10 + removed);
        }

        while (vp / 10 > vm / 10)
        {
            lastRemoved = vr % 10;
            (vr, vp, vm) = (vr / 10, vp / 10, vm / 10);
            removed++;
        }

        return (vr + (vr == vm || lastRemoved >= 5 ? 1u : 0u), e10 + removed);
    }

    // As float.ToString does: plain notation for scientific exponents -5 < e < 9, else d[.ddd]E+XX.
    private static int Format(uint digits, int exponent, Span<byte> destination)
    {
        var length = DecimalLength(digits);
        var scientific = exponent + length - 1;
        int n;
        if (scientific >= 9 || scientific < -4)
        {
            if (length == 1)
            {
                destination[0] = (byte)('0' + digits);
                n = 1;
            }
            else
            {
                // d.ddd: every digit one place right, then the first moved in front of the point.
                WriteDigits(digits, destination.Slice(1, length));
                destination[0] = destination[1];
                destination[1] = (byte)'.';
                n = length + 1;
            }

            destination[n++] = (byte)'E';
            destination[n++] = scientific < 0 ? (byte)'-' : (byte)'+';
            var magnitude = Math.Abs(scientific);
            destination[n++] = (byte)('0' + (magnitude / 10));
            destination[n++] = (byte)('0' + (magnitude % 10));
            return n;
        }

        if (scientific < 0)
        {
            var zeros = -scientific - 1;
            destination[0] = (byte)'0';
            destination[1] = (byte)'.';
            destination.Slice(2, zeros).Fill((byte)'0');
            WriteDigits(digits, destination.Slice(2 + zeros, length));
            return 2 + zeros + length;
        }

        var integer = scientific + 1;
        if (length <= integer)
        {
            WriteDigits(digits, destination[..length]);
            destination[length..integer].Fill((byte)'0');
            return integer;
        }

        // ddd.ddd: the integer digits, a point, the rest.
        WriteDigits(digits, destination[..length]);
        destination[integer..length].CopyTo(destination[(integer + 1)..]);
        destination[integer] = (byte)'.';
        return length + 1;
    }

    private static void WriteDigits(uint digits, Span<byte> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (digits % 10));
            digits /= 10;
        }
    }

    private static int DecimalLength(uint v) =>
        v >= 100000000 ? 9 : v >= 10000000 ? 8 : v >= 1000000 ? 7 : v >= 100000 ? 6 : v >= 10000 ? 5 : v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;

    private static uint MulShift(uint m, ulong factor, int shift)
    {
        var low = (ulong)m * (uint)factor;
        var high = (ulong)m * (factor >> 32);
        return (uint)(((low >> 32) + high) >> (shift - 32));
    }

    private static bool MultipleOfPowerOf5(uint value, int p)
    {
        var count = 0;
        while (value % 5 == 0 && value != 0)
        {
            value /= 5;
            count++;
        }

        return count >= p;
    }

    // ceil(log2(5^e)) for e > 0 (1 for e = 0), floor(log10(2^e)) and floor(log10(5^e)), exact over a float's range.
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static ulong[] Table(int size, Func<int, BigInteger> entry) => [.. Enumerable.Range(0, size).Select(i => (ulong)entry(i))];
}
