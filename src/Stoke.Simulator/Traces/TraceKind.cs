namespace Stoke.Simulator.Traces;

/// <summary>The workload formats the simulator reads or generates.</summary>
public enum TraceKind
{
    /// <summary>Alibaba GenTD26 <c>lora_request_trace.csv</c> (a file, or its folder).</summary>
    GenTd26,

    /// <summary>Alibaba ServeGen per-client windows (a <c>chunk-N-trace.csv</c>, or a folder of them).</summary>
    ServeGen,

    /// <summary>Azure LLM inference trace 2023.</summary>
    AzureLlm,

    /// <summary>The generic CSV: <c>timestamp,function,duration_ms[,input_tokens,output_tokens]</c>.</summary>
    Csv,

    /// <summary>Generated Poisson/Zipf workload, no file.</summary>
    Synthetic,
}
