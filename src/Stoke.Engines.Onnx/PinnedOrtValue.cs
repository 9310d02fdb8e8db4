using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Stoke.Engines.Onnx;

/// <summary>An input OrtValue and the pin that keeps its managed bytes in place; dispose after the run.</summary>
internal readonly struct PinnedOrtValue(OrtValue value, GCHandle pin) : IDisposable
{
    public OrtValue Value { get; } = value;

    public void Dispose()
    {
        // The native value must go before the memory under it is unpinned.
        Value.Dispose();
        if (pin.IsAllocated)
        {
            pin.Free();
        }
    }
}
