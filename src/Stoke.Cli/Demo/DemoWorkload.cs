using System.Diagnostics;
using System.Net.Http;
using Stoke.Client;

namespace Stoke.Cli.Demo;

/// <summary>
/// The bursty load of the demo, scaled to its duration: MiniLM at a steady 5 req/s with two bursts of 40 clients;
/// Arctic idle until one burst of 20 clients (a scale from zero); ResNet a few requests every 20 s, so it scales
/// to zero between them and cold-starts again (from the node's memory tier the second time).
/// </summary>
public sealed class DemoWorkload(StokeClient client, IReadOnlyList<DemoFunction> functions, TimeSpan duration, TimeProvider time)
{
    private readonly Random _random = new(7);

    public async Task RunAsync(CancellationToken ct)
    {
        var minilm = functions.Single(f => f.Name == "minilm");
        var arctic = functions.Single(f => f.Name == "arctic-xs");
        var resnet = functions.Single(f => f.Name == "resnet18");
        var burst = TimeSpan.FromSeconds(Math.Min(5, duration.TotalSeconds / 6));
        await Task.WhenAll(
            SteadyAsync(minilm, ratePerSecond: 5, duration, ct),
            BurstAsync(minilm, clients: 40, start: duration * 0.25, burst, ct),
            BurstAsync(minilm, clients: 40, start: duration * 0.65, burst, ct),
            BurstAsync(arctic, clients: 20, start: duration * 0.45, burst, ct),
            PeriodicAsync(resnet, every: TimeSpan.FromSeconds(20), requests: 3, duration, ct));
    }

    /// <summary>Open loop: one request every 1/rate seconds, whether or not earlier ones have returned.</summary>
    private async Task SteadyAsync(DemoFunction function, double ratePerSecond, TimeSpan length, CancellationToken ct)
    {
        var inFlight = new List<Task>();
        var gap = TimeSpan.FromSeconds(1 / ratePerSecond);
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < length && !ct.IsCancellationRequested)
        {
            inFlight.Add(SendAsync(function, ct));
            await Delay(gap, ct);
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>Closed loop: <paramref name="clients"/> clients each send their next request when the last returns.</summary>
    private async Task BurstAsync(DemoFunction function, int clients, TimeSpan start, TimeSpan length, CancellationToken ct)
    {
        await Delay(start, ct);
        var started = time.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (time.GetElapsedTime(started) < length && !ct.IsCancellationRequested)
            {
                await SendAsync(function, ct);
            }
        }));
    }

    private async Task PeriodicAsync(DemoFunction function, TimeSpan every, int requests, TimeSpan length, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        for (var at = TimeSpan.Zero; at < length && !ct.IsCancellationRequested; at += every)
        {
            await Delay(at - time.GetElapsedTime(started), ct);
            for (var i = 0; i < requests; i++)
            {
                await SendAsync(function, ct);
            }
        }
    }

    private async Task SendAsync(DemoFunction function, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return;
        }

        int seed;
        lock (_random)
        {
            seed = _random.Next();
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await function.Send(client, new Random(seed), ct);
            function.Stats.Record(response, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException ex)
        {
            // Counted and shown in the summary; the demo goes on and exits 1 at the end (DemoOutcome).
            function.Stats.RecordFailure(ex.HttpRequestError.ToString().ToLowerInvariant());
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            function.Stats.RecordFailure("timeout");
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the request was abandoned, not refused.
        }
    }

    private async Task Delay(TimeSpan wait, CancellationToken ct)
    {
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, time, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
