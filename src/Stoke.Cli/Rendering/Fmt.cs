using System.Globalization;

namespace Stoke.Cli.Rendering;

/// <summary>Number formats shared by the tables; invariant culture so output is the same on every machine.</summary>
public static class Fmt
{
    public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    public static string Num(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Money(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => Num(bytes / (double)(1L << 30), "0.0") + " GB",
        >= 1L << 20 => Num(bytes / (double)(1L << 20), "0.0") + " MB",
        >= 1L << 10 => Num(bytes / (double)(1L << 10), "0.0") + " KB",
        _ => Int(bytes) + " B",
    };

    public static string Span(TimeSpan span) => span switch
    {
        { TotalMilliseconds: < 1000 } => Num(span.TotalMilliseconds) + " ms",
        { TotalSeconds: < 120 } => Num(span.TotalSeconds) + " s",
        { TotalMinutes: < 120 } => Num(span.TotalMinutes) + " min",
        _ => Num(span.TotalHours) + " h",
    };

    public static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
