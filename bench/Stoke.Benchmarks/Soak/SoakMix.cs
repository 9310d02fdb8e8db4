using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stoke.Samples;

namespace Stoke.Benchmarks.Soak;

/// <summary>What a soak run saw: every answer classified, and the node's footprint sampled through the run.</summary>
/// <param name="Samples">All samples, the warm-up's included (<see cref="ProcessSample.At"/> counts from the start of the load).</param>
/// <param name="Warmup">Samples before this time are not judged.</param>
internal sealed record SoakResult(SoakTally Tally, IReadOnlyList<ProcessSample> Samples, TimeSpan Warmup);

/// <summary>
/// The soak's mixed load on one node over real HTTP: OIP v2 tensor infers (ResNet-18 binary, MiniLM JSON), OpenAI
/// embeddings (MiniLM) and chat completions (stories260K, half of them streamed), loops that deploy, call and delete
/// functions (a llama one and an ONNX one in turn), and bursts at a one-slot function that must be refused with
/// <c>Retry-After</c>. Meanwhile it samples the node's process (<see cref="ProcessProbe"/>): the node runs in its own
/// process, so the figures are the node's alone. Shared by <c>Stoke.Benchmarks soak</c> and the integration test's short form.
/// </summary>
internal sealed partial class SoakMix : IDisposable
{
    private const string Resnet = "soak-resnet";
    private const string MiniLm = "soak-minilm";
    private const string Stories = "soak-stories";
    private const string Narrow = "soak-narrow";
    private const int Tokens = 12;

    private static readonly string[] Sentences =
    [
        "Serverless inference scales to zero when idle.",
        "A burst of requests arrives within seconds.",
        "Cold starts load the model from the fastest tier.",
        "Batching merges requests into one engine call.",
    ];

    private readonly HttpClient _http;
    private readonly int _pid;
    private readonly SoakOptions _options;
    private readonly SoakTally _tally = new();
    private byte[] _resnetHeaderAndTail = [];
    private int _resnetHeaderLength;
    private string _miniLmJson = "";
    private byte[] _llm = [];
    private (byte[] Model, byte[] Vocab) _encoder;
    private long _churned;

    /// <param name="server">The node's gateway.</param>
    /// <param name="pid">The node's process, for <c>/proc/PID</c>.</param>
    public SoakMix(Uri server, int pid, SoakOptions options)
    {
        _pid = pid;
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>Deploys the functions, warms each with one answered request, then runs the load for the warm-up and the duration.</summary>
    public async Task<SoakResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await DeployAsync(cancellationToken);
        var samples = new List<ProcessSample>();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = new List<Task>();
        for (var i = 0; i < _options.TensorClients; i++)
        {
            var client = i;
            workers.Add(LoopAsync(n => (n + client) % 2 == 0 ? ResnetAsync(stop.Token) : MiniLmTensorAsync(stop.Token), _options.Think, stop.Token));
        }

        for (var i = 0; i < _options.EmbeddingClients; i++)
        {
            workers.Add(LoopAsync(_ => EmbeddingAsync(MiniLm, "embedding", stop.Token), _options.Think, stop.Token));
        }

        for (var i = 0; i < _options.ChatClients; i++)
        {
            workers.Add(LoopAsync(n => ChatAsync(Stories, "chat", stream: n % 2 == 1, stop.Token), _options.Think, stop.Token));
        }

        for (var i = 0; i < _options.ChurnClients; i++)
        {
            workers.Add(LoopAsync(_ => ChurnAsync(stop.Token), _options.Think * 10, stop.Token));
        }

        if (_options.RefusalBurstSize > 0)
        {
            workers.Add(LoopAsync(_ => RefusalBurstAsync(stop.Token), _options.RefusalBurstEvery, stop.Token));
        }

        var end = _options.Warmup + _options.Duration;
        try
        {
            while (clock.Elapsed < end)
            {
                var sample = ProcessProbe.Read(_pid, clock.Elapsed);
                samples.Add(sample);
                _options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"  {sample.At.TotalSeconds,6:F0} s  rss {sample.RssMib,7:F1} MiB  fds {sample.Fds,4}  threads {sample.Threads,3}  requests {_tally.Requests,7}  refused {_tally.Refusals,5}  errors {_tally.Errors}"));
                // To the next multiple of the period; a timer that fired a hair early does not make a second sample at once.
                var next = _options.SampleEvery - TimeSpan.FromTicks(clock.Elapsed.Ticks % _options.SampleEvery.Ticks);
                next = next < _options.SampleEvery / 2 ? next + _options.SampleEvery : next;
                // The clock is read once: read twice, the end could pass between the reads and leave a delay of -1 ms,
                // which Task.Delay takes as "forever" (a short soak in CI waited 90 minutes on it).
                var left = end - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                await Task.Delay(next < left ? next : left, cancellationToken);
            }

            samples.Add(ProcessProbe.Read(_pid, clock.Elapsed));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        return new SoakResult(_tally, samples, _options.Warmup);
    }

    private async Task DeployAsync(CancellationToken ct)
    {
        _llm = await File.ReadAllBytesAsync(_options.LlmPath, ct);
        var resnet = await File.ReadAllBytesAsync(SampleModels.ResNet18.ModelPath, ct);
        var minilm = SampleModels.MiniLm;
        var minilmModel = await File.ReadAllBytesAsync(minilm.ModelPath, ct);
        var minilmVocab = await File.ReadAllBytesAsync(minilm.VocabPath!, ct);
        var arctic = SampleModels.ArcticXs;
        _encoder = (await File.ReadAllBytesAsync(arctic.ModelPath, ct), await File.ReadAllBytesAsync(arctic.VocabPath!, ct));
        (string, string)[] warm = [("keepAliveSeconds", "3600"), ("maxQueueDelayMs", "5"), ("maxBatchSize", "8")];
        await MustAsync(Deploy(Resnet, resnet, null, [.. warm, ("file", "resnet18.onnx")]), ct);
        await MustAsync(Deploy(MiniLm, minilmModel, minilmVocab, [.. warm, ("file", "minilm.onnx")]), ct);
        await MustAsync(Deploy(Stories, _llm, null, [("engine", "llama"), ("file", "stories260K.gguf"), ("keepAliveSeconds", "3600")]), ct);
        // One request in the instance, one held, the rest of a burst refused at once (503, Retry-After).
        await MustAsync(Deploy(Narrow, minilmModel, null, [("file", "minilm.onnx"), ("keepAliveSeconds", "3600"), ("maxInstances", "1"), ("instanceConcurrency", "1"),
            ("targetConcurrency", "1"), ("maxQueued", "1"), ("maxBatchSize", "1")]), ct);

        _resnetHeaderAndTail = BinaryZeros(await InputsAsync(Resnet, ct), out _resnetHeaderLength);
        _miniLmJson = TokenJson(await InputsAsync(MiniLm, ct));
        _options.Log?.Invoke("deployed soak-resnet, soak-minilm, soak-stories, soak-narrow; warming each");

        // Each answers once before the load starts, so the warm-up window holds no first cold start of the main functions.
        await WarmAsync(() => ResnetAsync(ct), ct);
        await WarmAsync(() => MiniLmTensorAsync(ct), ct);
        await WarmAsync(() => EmbeddingAsync(MiniLm, "embedding", ct), ct);
        await WarmAsync(() => ChatAsync(Stories, "chat", stream: false, ct), ct);
        await WarmAsync(() => SendAsync("refusal-probe", () => OipJson(Narrow, _miniLmJson), null, ct), ct);
    }

    /// <summary>A warm-up request must be answered; the tally keeps it like any other.</summary>
    private static async Task WarmAsync(Func<Task<SoakOutcome>> send, CancellationToken ct)
    {
        var outcome = await send();
        if (outcome != SoakOutcome.Ok)
        {
            throw new InvalidOperationException($"A warm-up request was answered {outcome}; the soak needs every function serving first.");
        }
    }

    private async Task MustAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }

    private async Task<JsonArray> InputsAsync(string function, CancellationToken ct)
    {
        var described = JsonNode.Parse(await _http.GetStringAsync($"api/functions/{function}", ct))!;
        return described["latest"]!["signature"]!["inputs"]!.AsArray();
    }

    private async Task LoopAsync(Func<long, Task> send, TimeSpan pause, CancellationToken ct)
    {
        for (long n = 0; !ct.IsCancellationRequested; n++)
        {
            try
            {
                await send(n);
                await Task.Delay(pause, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }
    }

    private Task<SoakOutcome> ResnetAsync(CancellationToken ct) => SendAsync("tensor", () =>
    {
        var content = new ByteArrayContent(_resnetHeaderAndTail);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", _resnetHeaderLength.ToString(CultureInfo.InvariantCulture));
        return new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Resnet}/infer") { Content = content };
    }, null, ct);

    private Task<SoakOutcome> MiniLmTensorAsync(CancellationToken ct) =>
        SendAsync("tensor", () => OipJson(MiniLm, _miniLmJson), body => body.Contains("\"outputs\"", StringComparison.Ordinal) ? null : "no outputs", ct);

    private Task<SoakOutcome> EmbeddingAsync(string function, string kind, CancellationToken ct)
    {
        var body = new JsonObject { ["model"] = function, ["input"] = new JsonArray(Sentences[Random.Shared.Next(Sentences.Length)], Sentences[0]) }.ToJsonString();
        return SendAsync(kind, () => Json("v1/embeddings", body), text => text.Contains("\"embedding\"", StringComparison.Ordinal) ? null : "no embedding", ct);
    }

    private Task<SoakOutcome> ChatAsync(string function, string kind, bool stream, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = function,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
            ["max_tokens"] = 16,
            ["temperature"] = 0.8,
            ["stream"] = stream,
        }.ToJsonString();
        return SendAsync(kind, () => Json("v1/chat/completions", body), text => stream
            ? text.Contains("data: [DONE]", StringComparison.Ordinal) ? null : "a stream without data: [DONE]"
            : text.Contains("\"choices\"", StringComparison.Ordinal) ? null : "no choices", ct);
    }

    /// <summary>Deploys a new function (llama and ONNX in turn), calls it once through its cold start, deletes it.</summary>
    private async Task ChurnAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _churned);
        var name = "soak-churn-" + n.ToString(CultureInfo.InvariantCulture);
        var llama = n % 2 == 0;
        var deployed = await SendAsync("deploy", () => llama
            ? Deploy(name, _llm, null, [("engine", "llama"), ("file", "stories260K.gguf"), ("keepAliveSeconds", "30"), ("maxInstances", "1")])
            : Deploy(name, _encoder.Model, _encoder.Vocab, [("file", "arctic-xs.onnx"), ("keepAliveSeconds", "30"), ("maxInstances", "1")]), null, ct);
        if (deployed != SoakOutcome.Ok)
        {
            return;
        }

        try
        {
            _ = llama ? await ChatAsync(name, "churn-call", stream: false, ct) : await EmbeddingAsync(name, "churn-call", ct);
        }
        finally
        {
            // The delete goes out even when the load stops mid-call: a soak leaves no function behind.
            await SendAsync("delete", () => new HttpRequestMessage(HttpMethod.Delete, $"api/functions/{name}"), null, CancellationToken.None);
        }
    }

    private async Task RefusalBurstAsync(CancellationToken ct)
    {
        var burst = Enumerable.Range(0, _options.RefusalBurstSize).Select(_ => SendAsync("refusal-probe", () => OipJson(Narrow, _miniLmJson), null, ct));
        await Task.WhenAll(burst);
    }

    /// <summary>Sends one request and classifies its answer; the body is read to the end (a stream to its last event).</summary>
    private async Task<SoakOutcome> SendAsync(string kind, Func<HttpRequestMessage> create, Func<string, string?>? check, CancellationToken ct)
    {
        using var request = create();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return _tally.Record(kind, response, body, response.IsSuccessStatusCode ? check?.Invoke(body) : null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            _tally.RecordTransportError(kind, ex);
            return SoakOutcome.Error;
        }
    }

    public void Dispose() => _http.Dispose();
}
