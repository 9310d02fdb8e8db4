using LLama.Native;

namespace Stoke.Engines.Llama;

/// <summary>How a GGUF file is turned into loaded weights.</summary>
public sealed record LlamaModelOptions
{
    /// <summary>
    /// Memory-map the file (the default): a file already in the page cache or in tmpfs then loads without a copy.
    /// <see cref="LLamaLoadMode.None"/> reads it into private memory instead.
    /// </summary>
    public LLamaLoadMode LoadMode { get; init; } = LLamaLoadMode.MemoryMap;

    /// <summary>Layers offloaded to a GPU when the native backend has one (0: CPU only).</summary>
    public int GpuLayerCount { get; init; }
}
