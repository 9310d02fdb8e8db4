using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Stoke.Benchmarks.Support;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Hosting;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Two silos in one process (Orleans' in-process test cluster, each silo with its own gateway on loopback), one
/// ResNet-18 function with one instance on each silo, and closed-loop load entering both gateways with a real
/// ResNet-sized input (one [1,3,224,224] FP32 image, 602 KB, in the binary extension). Measures requests per second
/// and the bytes Orleans sent between the silos per request (its own <c>orleans-messaging-sent-messages-size</c>
/// instrument). Arms differ by the function's routing policy; this file also builds against the code before the
/// direct data plane, where every request went gateway -> the function's grain -> the instance's node (run there
/// with <c>--arms default</c>).
/// </summary>
internal static class TwoSiloThroughput
{
    public static async Task RunAsync(Args args)
    {
        var seconds = args.Double("seconds", 20);
        var rounds = args.Int("rounds", 3);
        var clients = args.Int("clients", 16);
        var arms = args.Str("arms", "least-requests,local-first").Split(',');
        var model = await File.ReadAllBytesAsync(SampleModels.ResNet18.ModelPath);
        int header = 0;
        byte[] body = [];
        var data = Path.Combine(Path.GetTempPath(), "stoke-bench-2silo-" + Guid.NewGuid().ToString("N")[..8]);

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo.AddStokeNode(o =>
        {
            o.DataDirectory = data;
            o.ControlInterval = TimeSpan.FromMilliseconds(250);
        }));
        builder.ConfigureSiloHost((_, host) => host.Services.AddStokeGateway(g =>
        {
            g.Url = "http://127.0.0.1:0";
            g.MaxRequestBodyBytes = 64 << 20;
        }));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var gateways = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<GatewayServer>().Address!).ToArray();
            var inferClients = gateways.Select(g => new InferClient(g)).ToArray();
            using var bytes = new SentBytes();
            foreach (var arm in arms)
            {
                var settings = new List<(string, string)> { ("maxInstances", "2"), ("minInstances", "2"), ("keepAliveSeconds", "3600"), ("maxBatchSize", "1") };
                if (arm != "default")
                {
                    settings.Add(("routing", arm));
                }

                var spec = await inferClients[0].DeployAsync(Name(arm), model, [.. settings]);
                (header, body) = Image(spec["signature"]!["inputs"]![0]!["name"]!.GetValue<string>(), spec["signature"]!["outputs"]![0]!["name"]!.GetValue<string>());
                await inferClients[0].InferOkAsync(Name(arm), body, header);
                await WaitForInstancesOnBothAsync(inferClients[0], Name(arm));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"two silos: ResNet-18, {body.Length - header} B per request, {clients} clients split across both gateways, {seconds} s per arm, {rounds} rounds"));
            var results = arms.ToDictionary(a => a, _ => new List<(double Rps, double BytesPerRequest)>());
            for (var round = 0; round < rounds; round++)
            {
                foreach (var arm in arms)
                {
                    await LoopAsync(inferClients, Name(arm), body, header, clients, Math.Min(3, seconds), bytes);
                    var r = await LoopAsync(inferClients, Name(arm), body, header, clients, seconds, bytes);
                    results[arm].Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1}: {arm}: {r.Rps:F1} req/s, {r.BytesPerRequest:F0} B between silos per request"));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| routing | req/s, median [range] | bytes between silos per request | x first arm (per round) |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var arm in arms)
            {
                var rs = results[arm];
                var ratio = Enumerable.Range(0, rounds).Select(i => rs[i].Rps / results[arms[0]][i].Rps).ToList();
                Console.WriteLine($"| {arm} | {Stats.Summary(rs.Select(r => r.Rps).ToList(), "F1")} | {Stats.Summary(rs.Select(r => r.BytesPerRequest).ToList(), "F0")} | {Stats.Summary(ratio)} |");
            }

            foreach (var c in inferClients)
            {
                c.Dispose();
            }
        }
        finally
        {
            await cluster.DisposeAsync();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Name(string arm) => "resnet-" + arm;

    // Two ready instances wherever placement put them (the code before the data plane put both on one silo); prints where.
    private static async Task WaitForInstancesOnBothAsync(InferClient client, string function)
    {
        for (var i = 0; i < 200; i++)
        {
            var ready = (await client.Management.DescribeAsync(function))["status"]![0]!["instances"]!.AsArray()
                .Where(x => x!["phase"]!.GetValue<string>() == "Ready").Select(x => x!["nodeId"]!.GetValue<string>()).ToList();
            if (ready.Count == 2)
            {
                Console.WriteLine($"  {function}: instances on {ready.Distinct().Count()} silo(s)");
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{function} did not get two ready instances.");
    }

    private static async Task<(double Rps, double BytesPerRequest)> LoopAsync(InferClient[] gateways, string function, byte[] body, int header, int clients, double seconds, SentBytes bytes)
    {
        var before = bytes.Total;
        long done = 0;
        long errors = 0;
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var client = gateways[c % gateways.Length];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                using var response = await client.InferAsync(function, body, header);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref done);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (errors > 0)
        {
            Console.WriteLine($"    {errors} errors");
        }

        return (done / elapsed, done == 0 ? 0 : (bytes.Total - before) / (double)done);
    }

    // A random image in the binary extension: JSON header, then 602,112 raw little-endian floats' bytes.
    private static (int Header, byte[] Body) Image(string input, string output)
    {
        const int count = 3 * 224 * 224;
        var rng = new Random(7);
        var header = System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"inputs":[{"name":"{{{input}}}","shape":[1,3,224,224],"datatype":"FP32","parameters":{"binary_data_size":{{{count * 4}}}}}],"outputs":[{"name":"{{{output}}}","parameters":{"binary_data":true}}]}""");
        var body = new byte[header.Length + (count * 4)];
        header.CopyTo(body, 0);
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(body.AsSpan(header.Length + (i * 4)), rng.NextSingle());
        }

        return (header.Length, body);
    }

    /// <summary>Bytes Orleans sent in messages between silos, from its own instrument.</summary>
    private sealed class SentBytes : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public SentBytes()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "orleans-messaging-sent-messages-size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref _total, v));
            _listener.SetMeasurementEventCallback<int>((_, v, _, _) => Interlocked.Add(ref _total, v));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
