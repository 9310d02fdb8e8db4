using System.Text;
using LLama.Native;
using Stoke.Abstractions.Generation;

namespace Stoke.Engines.Llama;

/// <summary>
/// Log-probabilities from one decode step's logits: a log-softmax over the whole vocabulary of the raw logits (the
/// model's own distribution, before temperature, penalties or a grammar reshape it), as OpenAI reports them.
/// </summary>
internal static class TokenLogprobs
{
    public static TokenLogprob Compute(ReadOnlySpan<float> logits, LLamaToken chosen, int alternatives, SafeLlamaModelHandle model)
    {
        var logSum = LogSumExp(logits);
        TokenLogprob[]? top = null;
        if (alternatives > 0)
        {
            var best = MostLikely(logits, Math.Min(alternatives, logits.Length));
            top = new TokenLogprob[best.Length];
            for (var i = 0; i < best.Length; i++)
            {
                top[i] = Describe(best[i], (float)(logits[best[i]] - logSum), model, null);
            }
        }

        return Describe((int)chosen, (float)(logits[(int)chosen] - logSum), model, top ?? []);
    }

    // log(sum(exp(x))) shifted by the max, so large logits do not overflow.
    private static double LogSumExp(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var x in logits)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        foreach (var x in logits)
        {
            sum += Math.Exp(x - max);
        }

        return max + Math.Log(sum);
    }

    // The k largest logits' token ids, largest first; k is small (at most 20), so an insertion into a short list is enough.
    private static int[] MostLikely(ReadOnlySpan<float> logits, int k)
    {
        var ids = new int[k];
        var count = 0;
        for (var id = 0; id < logits.Length; id++)
        {
            if (count == k && logits[id] <= logits[ids[k - 1]])
            {
                continue;
            }

            var at = Math.Min(count, k - 1);
            while (at > 0 && logits[ids[at - 1]] < logits[id])
            {
                ids[at] = ids[at - 1];
                at--;
            }

            ids[at] = id;
            count = Math.Min(count + 1, k);
        }

        return ids[..count];
    }

    private static TokenLogprob Describe(int token, float logprob, SafeLlamaModelHandle model, TokenLogprob[]? alternatives)
    {
        Span<byte> buffer = stackalloc byte[64];
        var size = (int)model.TokenToSpan((LLamaToken)token, buffer);
        var bytes = size <= buffer.Length ? buffer[..size].ToArray() : Larger(model, token, size);
        return new TokenLogprob(Encoding.UTF8.GetString(bytes), logprob, bytes, alternatives);
    }

    private static byte[] Larger(SafeLlamaModelHandle model, int token, int size)
    {
        var bytes = new byte[size];
        model.TokenToSpan((LLamaToken)token, bytes);
        return bytes;
    }
}
