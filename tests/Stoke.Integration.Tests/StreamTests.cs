using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Instances;

namespace Stoke.Integration.Tests;

/// <summary>
/// Stream sessions on the real Silero VAD through real HTTP on loopback: the state stays on the instance between
/// chunks, concurrent streams share steps without sharing state, and ended or unknown streams are refused clearly.
/// </summary>
public sealed class StreamTests(SharedStoke shared, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SharedStoke>
{
    private readonly StokeClient _client = shared.Node.Client();

    private async Task<string> DeployAsync(string name, params (string, string)[] more)
    {
        await _client.DeployAsync(name, VadModel.Model, VadModel.Settings(more));
        return name;
    }

    // Where the file has speech and where it is silent comes from its own energy: a chunk is speech when its RMS is
    // at least a tenth (-20 dB) of the loudest chunk's, and silent when it is below a thousandth (-60 dB: digital
    // silence with the resampler's ripple). Silero's state carries a short tail after speech ends, so a silent
    // chunk counts only from the fourth after the last speech chunk (128 ms).
    [Fact]
    public async Task DetectsSpeechWhereTheSampleHasItAndNotInItsSilence()
    {
        var function = await DeployAsync("vad-speech");
        var chunks = VadModel.SpeechChunks();
        var (p, _) = await VadModel.RunAsync(_client, function, chunks);

        var rms = chunks.Select(VadModel.Rms).ToArray();
        var peak = rms.Max();
        var speech = Enumerable.Range(0, chunks.Length).Where(i => rms[i] >= peak / 10).ToArray();
        var lastSpeech = speech.Max();
        var firstSpeech = speech.Min();
        var silentHead = Enumerable.Range(0, firstSpeech).Where(i => rms[i] < peak / 1000).ToArray();
        var silentTail = Enumerable.Range(lastSpeech + 4, Math.Max(0, chunks.Length - lastSpeech - 4)).Where(i => rms[i] < peak / 1000).ToArray();
        output.WriteLine($"speech chunks {firstSpeech}..{lastSpeech} ({speech.Length}), silent head {silentHead.Length}, silent tail {silentTail.Length}; p: {Format(p)}");
        Assert.True(silentTail.Length >= 3, $"the sample should end in silence; silent chunks after its speech: {silentTail.Length}");

        var detected = speech.Count(i => p[i] > 0.5);
        Assert.True(detected >= speech.Length * 0.8, $"speech detected in {detected} of {speech.Length} speech chunks: {Format(p)}");
        Assert.All(silentTail, i => Assert.True(p[i] < 0.5, $"chunk {i} of the trailing silence has p={p[i]:F3}"));
        Assert.All(silentHead, i => Assert.True(p[i] < 0.5, $"chunk {i} of the leading silence has p={p[i]:F3}"));
    }

    [Fact]
    public async Task ConcurrentStreamsShareStepsButNotState()
    {
        var function = await DeployAsync("vad-pair", ("maxQueueDelayMs", "20"));
        var speech = VadModel.SpeechChunks();
        var reversed = speech.Reverse().Select(c => c.Reverse().ToArray()).ToArray();
        var speechAlone = await VadModel.RunAsync(_client, function, speech);
        var reversedAlone = await VadModel.RunAsync(_client, function, reversed);

        var together = await Task.WhenAll(
            Task.Run(() => VadModel.RunAsync(_client, function, speech)),
            Task.Run(() => VadModel.RunAsync(_client, function, reversed)));

        output.WriteLine($"batch sizes together: {string.Join(",", together[0].BatchSizes)}");
        Assert.True(speechAlone.BatchSizes.All(b => b == 1), "a lone stream runs alone");
        Assert.True(together[0].BatchSizes.Count(b => b > 1) >= speech.Length / 2, $"batch sizes: {string.Join(",", together[0].BatchSizes)}");
        AssertClose(speechAlone.Probabilities, together[0].Probabilities);
        AssertClose(reversedAlone.Probabilities, together[1].Probabilities);
    }

    // The state and context a stream carries change what the model says: each chunk sent on a fresh stream (zero
    // state, zero context) gives other probabilities than the same chunk in the running stream.
    [Fact]
    public async Task StreamCarriesItsStateFromChunkToChunk()
    {
        var function = await DeployAsync("vad-carry");
        var chunks = VadModel.SpeechChunks()[..24];
        var running = (await VadModel.RunAsync(_client, function, chunks)).Probabilities;
        var fresh = new float[chunks.Length];
        for (var i = 0; i < chunks.Length; i++)
        {
            fresh[i] = (await VadModel.RunAsync(_client, function, [chunks[i]])).Probabilities[0];
        }

        var differing = Enumerable.Range(1, chunks.Length - 1).Count(i => Math.Abs(running[i] - fresh[i]) > 0.05);
        Assert.Equal(running[0], fresh[0], 5);
        Assert.True(differing >= chunks.Length / 2, $"running {Format(running)}; fresh {Format(fresh)}");
    }

    [Fact]
    public async Task IdleStreamExpiresWithGone()
    {
        var function = await DeployAsync("vad-idle", ("stream.idleSeconds", "0.5"));
        var id = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await _client.SendChunkAsync(function, id, new float[512])).Status);

        // The node's real clock drives expiry here (its sweep runs every second); StreamTableTests drives it on fake time.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var late = await _client.SendChunkAsync(function, id, new float[512]);

        Assert.Equal(HttpStatusCode.Gone, late.Status);
        Assert.Contains("expired after 0.5 s", late.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownStreamIsNotFound()
    {
        var function = await DeployAsync("vad-unknown");
        var id = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        var forged = id[..^32] + new string('0', 32);

        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendChunkAsync(function, forged, new float[512])).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendChunkAsync(function, "no-such-stream", new float[512])).Status);
    }

    [Fact]
    public async Task ChunkOfTheWrongLengthIsBadRequestAndLosesNothing()
    {
        var function = await DeployAsync("vad-length");
        var id = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();

        var bad = await _client.SendChunkAsync(function, id, new float[511]);
        var next = await _client.SendChunkAsync(function, id, new float[512]);

        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("512", bad.Text, StringComparison.Ordinal);
        Assert.Equal("1", next.Header(Stoke.Gateway.Streams.StreamEndpoints.ChunkHeader));
    }

    [Fact]
    public async Task ClosedStreamIsGone()
    {
        var function = await DeployAsync("vad-close");
        var id = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        await _client.SendChunkAsync(function, id, new float[512]);

        var closed = await _client.CloseStreamAsync(function, id);
        var after = await _client.SendChunkAsync(function, id, new float[512]);

        Assert.Equal(1, closed["chunks"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.Gone, after.Status);
        Assert.Contains("closed by its client", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamEndsNamingWhyWhenItsInstanceIsLost()
    {
        var function = await DeployAsync("vad-lost");
        var opened = await _client.OpenStreamAsync(function);
        var id = opened["id"]!.GetValue<string>();
        await shared.Node.Services.GetRequiredService<NodeHost>().StopInstanceAsync(opened["instance"]!.GetValue<string>(), "evicted by the test");

        var after = await _client.SendChunkAsync(function, id, new float[512]);

        Assert.Equal(HttpStatusCode.Gone, after.Status);
        Assert.Contains("evicted by the test", after.Text, StringComparison.Ordinal);
    }

    // Keep-alive releases an idle instance after its TTL; one that holds an open stream is not idle.
    [Fact]
    public async Task KeepAliveDoesNotStopAnInstanceHoldingAStream()
    {
        var function = await DeployAsync("vad-keep", ("keepAliveSeconds", "0.5"), ("stream.idleSeconds", "60"));
        var opened = await _client.OpenStreamAsync(function);
        var id = opened["id"]!.GetValue<string>();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await _client.SendChunkAsync(function, id, new float[512]);

        Assert.Equal(HttpStatusCode.OK, later.Status);
        Assert.Equal(opened["instance"]!.GetValue<string>(), later.Header("Stoke-Instance"));
    }

    [Fact]
    public async Task ChunkAsAnOipBodyGivesWhatTheRawChunkGives()
    {
        var function = await DeployAsync("vad-json");
        var chunks = VadModel.SpeechChunks()[..12];
        var raw = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        var json = (await _client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        using var http = new HttpClient { BaseAddress = shared.Node.Address };

        foreach (var chunk in chunks)
        {
            var expected = VadModel.Probability((await _client.SendChunkAsync(function, raw, chunk)).Json!);
            var data = string.Join(",", chunk.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            using var body = new StringContent($$"""{"inputs":[{"name":"input","shape":[1,512],"datatype":"FP32","data":[{{data}}]}]}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync($"v2/models/{function}/streams/{json}", body);
            var text = await response.Content.ReadAsStringAsync();

            Assert.True(response.IsSuccessStatusCode, text);
            Assert.Equal(expected, VadModel.Probability(System.Text.Json.Nodes.JsonNode.Parse(text)!), 5);
        }
    }

    [Fact]
    public async Task StreamSettingsThatDoNotFitTheModelAreRefusedAndRegisterNothing()
    {
        var refused = await Assert.ThrowsAsync<StokeClientException>(() => _client.DeployAsync("vad-bad-axis", VadModel.Model, (KeyValuePair<string, string>[])[
            new("stream.chunk", "input:512"), new("stream.context", "64"), new("stream.state", "state:stateN:0"), new("stream.constant", "sr:16000")]));
        var missing = await Assert.ThrowsAsync<StokeClientException>(() => _client.DeployAsync("vad-no-sr", VadModel.Model, (KeyValuePair<string, string>[])[
            new("stream.chunk", "input:512"), new("stream.context", "64"), new("stream.state", "state:stateN:1")]));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("batch axis 0", refused.ServerMessage, StringComparison.Ordinal);
        Assert.Contains("'sr' is neither", missing.ServerMessage, StringComparison.Ordinal);
        var names = (await _client.ListAsync()).AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain("vad-bad-axis", names);
        Assert.DoesNotContain("vad-no-sr", names);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"chunk {i}: alone {expected[i]}, together {actual[i]}");
        }
    }

    private static string Format(float[] p) => string.Join(" ", p.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
}
