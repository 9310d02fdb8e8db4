namespace Stoke.Engines.Llama;

/// <summary>
/// Where the decode loop's time goes, phase by phase: steps that only decode are kept apart by how many sequences
/// they decode (so one sequence's step can be set against eight's), steps that also prefill a prompt are kept
/// together. Written by the decode loop alone; read it once the engine is disposed.
/// </summary>
internal sealed class StepProfile
{
    public StepProfile(int maxSequences, TimeProvider? timeProvider = null)
    {
        Frequency = (timeProvider ?? TimeProvider.System).TimestampFrequency;
        DecodeOnly = new StepPhases[maxSequences + 1];
        for (var i = 0; i < DecodeOnly.Length; i++)
        {
            DecodeOnly[i] = new StepPhases();
        }
    }

    /// <summary>Timestamp ticks per second of the engine's <see cref="TimeProvider"/>.</summary>
    public long Frequency { get; }

    /// <summary>Steps without prompt tokens, indexed by the number of sequences they decode.</summary>
    public StepPhases[] DecodeOnly { get; }

    /// <summary>Steps that carry prompt tokens (possibly beside decoding sequences).</summary>
    public StepPhases WithPrefill { get; } = new();

    public double Microseconds(long ticks) => ticks * 1_000_000.0 / Frequency;
}

/// <summary>Summed timestamp ticks of each phase of a decode step, and how many steps and tokens they cover.</summary>
internal sealed class StepPhases
{
    public long Steps { get; set; }

    /// <summary>Tokens the steps put through <c>llama_decode</c>.</summary>
    public long Tokens { get; set; }

    /// <summary>Filling the batch (managed).</summary>
    public long Build { get; set; }

    /// <summary><c>llama_decode</c>: the forward pass.</summary>
    public long Decode { get; set; }

    /// <summary><c>llama_sampler_sample</c> of every sequence that gets logits.</summary>
    public long Sample { get; set; }

    /// <summary>Token to text, stop strings, writing to the request's channel, finishing (managed, with <c>llama_memory_seq_rm</c>).</summary>
    public long Emit { get; set; }

    /// <summary>Reading KV use back from llama.cpp's memory.</summary>
    public long Memory { get; set; }

    public long Total => Build + Decode + Sample + Emit + Memory;
}
