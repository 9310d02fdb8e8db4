using System.Text;

namespace Stoke.Engines.Llama.Tests;

/// <summary>Collects a stream into its text and final chunk.</summary>
internal static class Generation
{
    public static async Task<(string Text, GenerationChunk Final)> CollectAsync(
        this ContinuousBatchingEngine engine, GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        GenerationChunk? final = null;
        await foreach (var chunk in engine.GenerateAsync(request, cancellationToken))
        {
            text.Append(chunk.Text);
            final = chunk;
        }

        Assert.NotNull(final);
        Assert.True(final.IsFinal, "the stream must end with a final chunk");
        return (text.ToString(), final);
    }
}
