using System.Threading.Channels;

namespace Stoke.Abstractions.Instances;

/// <summary>How an instance's executor loop (the tensor batcher, the stream step loop) stops, written once.</summary>
public static class ExecutorLoop
{
    /// <summary>How long a stopping loop may take to run what is queued before it is cancelled.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    /// <summary>Stops taking work, lets the loop run what is queued (within <see cref="Grace"/>, else cancels it), then disposes <paramref name="stop"/>.</summary>
    public static async ValueTask StopAsync<T>(ChannelWriter<T> queue, Task loop, CancellationTokenSource stop, TimeProvider time)
    {
        queue.TryComplete();
        try
        {
            await loop.WaitAsync(Grace, time);
        }
        catch (TimeoutException)
        {
            await stop.CancelAsync();
        }

        stop.Dispose();
    }
}
