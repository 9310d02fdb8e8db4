namespace Stoke.Simulator.Traces;

/// <summary>Random variates the workload generators need, drawn from a seeded <see cref="Random"/>.</summary>
internal static class Sampling
{
    public static double Exponential(Random rng, double mean) => -mean * Math.Log(1 - rng.NextDouble());

    public static double Normal(Random rng)
    {
        // Box-Muller; one value per call keeps the generator stateless.
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Gamma(shape, scale) by Marsaglia and Tsang, boosted for shape below 1.</summary>
    public static double Gamma(Random rng, double shape, double scale)
    {
        if (shape < 1)
        {
            var u = rng.NextDouble();
            return Gamma(rng, shape + 1, scale) * Math.Pow(1 - u, 1 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(rng);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1 - rng.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v * scale;
            }
        }
    }

    public static double Weibull(Random rng, double shape, double scale) => scale * Math.Pow(-Math.Log(1 - rng.NextDouble()), 1 / shape);

    /// <summary>The gamma function (Lanczos approximation), for the Weibull mean.</summary>
    public static double GammaFunction(double x)
    {
        if (x < 0.5)
        {
            return Math.PI / (Math.Sin(Math.PI * x) * GammaFunction(1 - x));
        }

        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        var a = g[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++)
        {
            a += g[i] / (x + i);
        }

        return Math.Sqrt(2 * Math.PI) * Math.Pow(t, x + 0.5) * Math.Exp(-t) * a;
    }
}
