using System.Globalization;
using System.Security;
using System.Text;

namespace Stoke.Simulator.Results;

/// <summary>A named series of points for <see cref="SvgChart.Scatter"/>; <see cref="Connect"/> draws it as a line.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y, string? Label)> Points, bool Connect = false);

/// <summary>Small dependency-free SVG charts for the comparison plots: a scatter/line chart and a grouped bar chart.</summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    private const int Width = 760;
    private const int Height = 480;
    private const int Left = 80;
    private const int Right = 220;
    private const int Top = 50;
    private const int Bottom = 60;

    public static string Scatter(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var all = series.SelectMany(s => s.Points).ToList();
        var (x0, x1) = Range(all.Select(p => p.X));
        var (y0, y1) = Range(all.Select(p => p.Y));
        var sb = Begin(title);
        Axes(sb, xLabel, yLabel, x0, x1, y0, y1);
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = Colors[i % Colors.Length];
            if (s.Connect && s.Points.Count > 1)
            {
                var path = string.Join(' ', s.Points.Select(p => F(Px(p.X, x0, x1)) + "," + F(Py(p.Y, y0, y1))));
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{path}\"/>\n");
            }

            foreach (var (x, y, label) in s.Points)
            {
                var marker = s.Connect ? 3 : 6;
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(x, x0, x1))}\" cy=\"{F(Py(y, y0, y1))}\" r=\"{marker}\" fill=\"{color}\"/>\n");
                if (label is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(x, x0, x1) + 6)}\" y=\"{F(Py(y, y0, y1) - 6)}\" font-size=\"10\" fill=\"{color}\">{Esc(label)}</text>\n");
                }
            }

            Legend(sb, i, s.Name, color);
        }

        return End(sb);
    }

    /// <summary>Groups of bars (one group per category, one bar per series), each panel on its own scale from zero.</summary>
    public static string Bars(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series)
    {
        var max = series.SelectMany(s => s.Values).DefaultIfEmpty(1).Max();
        var (y0, y1) = (0.0, max <= 0 ? 1 : max * 1.1);
        var sb = Begin(title);
        Axes(sb, "", yLabel, 0, 1, y0, y1, xTicks: false);
        var plotWidth = Width - Left - Right;
        var groupWidth = plotWidth / (double)Math.Max(1, categories.Count);
        var barWidth = groupWidth * 0.8 / Math.Max(1, series.Count);
        for (var c = 0; c < categories.Count; c++)
        {
            var gx = Left + (c * groupWidth) + (groupWidth * 0.1);
            for (var s = 0; s < series.Count; s++)
            {
                var v = series[s].Values[c];
                var top = Py(v, y0, y1);
                sb.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{F(gx + (s * barWidth))}\" y=\"{F(top)}\" width=\"{F(barWidth - 2)}\" height=\"{F(Height - Bottom - top)}\" fill=\"{Colors[s % Colors.Length]}\"/>\n");
                sb.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{F(gx + (s * barWidth) + (barWidth / 2))}\" y=\"{F(top - 4)}\" font-size=\"10\" text-anchor=\"middle\">{Esc(Tick(v))}</text>\n");
            }

            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(gx + (groupWidth * 0.4))}\" y=\"{Height - Bottom + 18}\" font-size=\"11\" text-anchor=\"middle\">{Esc(categories[c])}</text>\n");
        }

        for (var s = 0; s < series.Count; s++)
        {
            Legend(sb, s, series[s].Name, Colors[s % Colors.Length]);
        }

        return End(sb);
    }

    private static StringBuilder Begin(string title)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"28\" font-size=\"15\" text-anchor=\"middle\">{Esc(title)}</text>\n");
        return sb;
    }

    private static string End(StringBuilder sb) => sb.Append("</svg>\n").ToString();

    private static void Axes(StringBuilder sb, string xLabel, string yLabel, double x0, double x1, double y0, double y1, bool xTicks = true)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (var k = 0; k <= 5; k++)
        {
            var yv = y0 + ((y1 - y0) * k / 5);
            var py = Py(yv, y0, y1);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(py)}\" x2=\"{Width - Right}\" y2=\"{F(py)}\" stroke=\"#eee\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(py + 4)}\" font-size=\"10\" text-anchor=\"end\">{Esc(Tick(yv))}</text>\n");
            if (xTicks)
            {
                var xv = x0 + ((x1 - x0) * k / 5);
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(xv, x0, x1))}\" y=\"{Height - Bottom + 16}\" font-size=\"10\" text-anchor=\"middle\">{Esc(Tick(xv))}</text>\n");
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 18}\" font-size=\"12\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(20,{(Top + Height - Bottom) / 2}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">{Esc(yLabel)}</text>\n");
    }

    private static void Legend(StringBuilder sb, int i, string name, string color)
    {
        var y = Top + 10 + (i * 20);
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 15}\" y=\"{y - 9}\" width=\"12\" height=\"12\" fill=\"{color}\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 32}\" y=\"{y + 1}\" font-size=\"11\">{Esc(name)}</text>\n");
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var min = Math.Min(0, list.Min());
        var max = list.Max();
        return max <= min ? (min, min + 1) : (min, max * 1.05);
    }

    private static double Px(double x, double x0, double x1) => Left + ((x - x0) / (x1 - x0) * (Width - Left - Right));

    private static double Py(double y, double y0, double y1) => Height - Bottom - ((y - y0) / (y1 - y0) * (Height - Top - Bottom));

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Tick(double v) =>
        Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
