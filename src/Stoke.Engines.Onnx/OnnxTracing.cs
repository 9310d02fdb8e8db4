using System.Diagnostics;

namespace Stoke.Engines.Onnx;

/// <summary>The ONNX engine's span (ActivitySource <c>Stoke.Engines.Onnx</c>): one <c>stoke.engine.run</c> per session run.</summary>
public static class OnnxTracing
{
    public const string SourceName = "Stoke.Engines.Onnx";
    public const string Run = "stoke.engine.run";

    public static readonly ActivitySource Source = new(SourceName);

    // Null (a flag check) when no one listens.
    internal static Activity? StartRun(int inputs)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(Run);
        activity?.SetTag("stoke.engine", "onnx").SetTag("stoke.engine.inputs", inputs);
        return activity;
    }
}
