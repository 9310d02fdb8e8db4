using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// Every HTTP endpoint the node maps (read from its <see cref="EndpointDataSource"/>, so a new endpoint without a rule
/// here fails), asked by no key, a wrong key, tenant A (who owns the functions), tenant B and an operator: B and the
/// operator's own tenant never see nor touch A's functions, usage, receipts, instances or artifacts (404, 403 or a
/// 400 with a JSON error, never a 200 with A's data), tenants get 403 from operator-only endpoints, no key gets 401,
/// nothing is a 500, and afterwards A's function still serves A the same answer. The rules are docs/api.md's
/// "Who may call what".
/// </summary>
public sealed class EndpointMatrixTests : IAsyncLifetime
{
    private const string OperatorKey = "sk-matrix-operator-0123";
    private const string KeyA = "sk-matrix-tenant-a-0123";
    private const string KeyB = "sk-matrix-tenant-b-0123";
    private const string WrongKey = "sk-matrix-nobody-012345";

    // A's functions: a classifier, a stream function and a pipeline over the classifier.
    private const string Fn = "a-secret";
    private const string Vad = "a-vad";
    private const string Pipe = "a-pipe";

    private static readonly Who[] Callers = [Who.None, Who.Wrong, Who.B, Who.Operator, Who.A];

    private EmbeddedStoke _node = null!;
    private string _hash = "";
    private string _instance = "";
    private string _output = "";
    private string _firstAnswer = "";
    private string _streamId = "";
    private string _versionedStreamId = "";

    private enum Who
    {
        None,
        Wrong,
        A,
        B,
        Operator,
    }

    public async Task InitializeAsync()
    {
        _node = await EmbeddedStoke.StartAsync(
            gateway: g => g.ApiKeys =
            [
                new ApiKeyOptions { Key = OperatorKey, Tenant = "ops", Role = ApiKeyRole.Operator },
                new ApiKeyOptions { Key = KeyA, Tenant = "a" },
                new ApiKeyOptions { Key = KeyB, Tenant = "b" },
            ],
            services: s => s.AddStokeOpenAI());
        using var a = _node.Client(KeyA);
        var spec = await a.DeployAsync(Fn, TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
        _output = spec["signature"]!["outputs"]![0]!["name"]!.GetValue<string>();
        _hash = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));
        var first = await a.InferAsync(Fn, TestModels.ClassifierJson());
        Assert.True(first.Status == HttpStatusCode.OK, first.Text);
        _instance = first.Header("Stoke-Instance")!;
        _firstAnswer = first.Json!["outputs"]![0]!["data"]!.ToJsonString();
        await a.DeployAsync(Vad, VadModel.Model, VadModel.Settings());
        _streamId = (await a.OpenStreamAsync(Vad))["id"]!.GetValue<string>();
        _versionedStreamId = (await a.OpenStreamAsync(Vad))["id"]!.GetValue<string>();
        await a.DeployPipelineAsync(Pipe, PipelineOver(Fn));
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public void EveryMappedEndpointHasARuleAndEveryRuleAMappedEndpoint()
    {
        var gateway = _node.Services.GetRequiredService<GatewayServer>().Services!;
        var mapped = gateway.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => m + " " + e.RoutePattern.RawText))
            .ToHashSet(StringComparer.Ordinal);
        var ruled = Rules().Select(r => r.Endpoint).ToHashSet(StringComparer.Ordinal);

        var unruled = mapped.Except(ruled).Order(StringComparer.Ordinal).ToArray();
        var stale = ruled.Except(mapped).Order(StringComparer.Ordinal).ToArray();
        Assert.True(unruled.Length == 0 && stale.Length == 0,
            $"Endpoints mapped without a rule in {nameof(EndpointMatrixTests)} (add one, and its line in docs/api.md): [{string.Join(", ", unruled)}]; "
            + $"rules for endpoints no longer mapped: [{string.Join(", ", stale)}]");
    }

    [Fact]
    public async Task EveryEndpointAnswersEveryCallerByItsRuleAndNoTenantReachesAnothers()
    {
        var failures = new List<string>();
        foreach (var rule in Rules())
        {
            foreach (var who in Callers)
            {
                var probe = rule.Probe(who);
                using var http = Http(who);
                using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path) { Content = probe.Body?.Invoke() };
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var expected = who is Who.None or Who.Wrong && !rule.Open ? 401 : rule.Expected(who);
                var where = $"{rule.Endpoint} as {who} ({probe.Method} {probe.Path}): {status}";
                if (status != expected)
                {
                    failures.Add($"{where}, expected {expected}: {Shorten(text)}");
                }

                if (status >= 400 && !HasJsonError(text))
                {
                    failures.Add($"{where} without a JSON error: '{Shorten(text)}'");
                }

                if (who is Who.B || (who is Who.Operator && !rule.OperatorSeesAll))
                {
                    foreach (var leak in Leaks(rule.Listing).Where(l => !(rule.EchoesUpload && l == _hash)).Where(l => text.Contains(l, StringComparison.Ordinal)))
                    {
                        failures.Add($"{where} shows tenant a's '{leak}': {Shorten(text)}");
                    }
                }
            }
        }

        using var a = _node.Client(KeyA);
        var after = await a.InferAsync(Fn, TestModels.ClassifierJson());

        Assert.True(failures.Count == 0, $"{failures.Count} answers broke the rules:\n" + string.Join("\n", failures));
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(_firstAnswer, after.Json!["outputs"]![0]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task ATenantsPartitionWithAPriceIsRefusedAndDeploysNoSlice()
    {
        using var http = Http(Who.B);
        using var response = await http.PostAsync("api/partitions/b-priced?parts=2&pricePerGbSecond=0", Model());
        var text = await response.Content.ReadAsStringAsync();
        using var describe = await http.GetAsync("api/functions/b-priced-part1");

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("prices are set by an operator", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, describe.StatusCode);
    }

    // The rules, in the order they run: reads first, then what writes, the deletes last. Within a rule A, the owner,
    // goes last, so a probe that ends something of A's (a stream, a function) does so after the others tried it.
    private List<Rule> Rules()
    {
        var infer = () => Json(TestModels.ClassifierJson());
        var chunk = () => Chunk();
        return
        [
            Rule.All("GET /v2/health/live", "v2/health/live", 200),
            Rule.All("GET /v2/health/ready", "v2/health/ready", 200),
            Rule.All("GET /dashboard", "dashboard", 302),
            Rule.All("GET /dashboard/{file}", "dashboard/index.html", 200),
            Rule.All("GET /dashboard/{file}", "dashboard/a-secret.js", 404),
            Rule.Keyed("GET /v2", "v2", 200),
            Rule.Keyed("GET /api/receipts/key", "api/receipts/key", 200),
            Rule.OperatorOnly("GET /metrics", "metrics"),
            Rule.Lists("GET /api/functions", "api/functions"),
            Rule.Lists("GET /api/usage", "api/usage"),
            Rule.Lists("GET /api/usage/ledger", "api/usage/ledger"),
            Rule.Lists("GET /api/usage/verify", "api/usage/verify"),
            Rule.Lists("GET /api/receipts", "api/receipts?limit=1000"),
            Rule.Lists("GET /v1/models", "v1/models"),
            Rule.Lists("GET /api/status", "api/status") with { OperatorSeesAll = true },
            Rule.Owned("GET /api/functions/{name}", $"api/functions/{Fn}", 200),
            Rule.Owned("GET /api/usage", $"api/usage?function={Fn}", 200),
            Rule.Owned("GET /api/usage/records", $"api/usage/records?function={Fn}", 200),
            Rule.Keyed("GET /api/usage/records", "api/usage/records", 400),
            Rule.Keyed("GET /api/usage/records", $"api/usage/records?function={Fn}&limit=many", 400),
            Rule.Owned("GET /api/pipelines/{name}", $"api/pipelines/{Pipe}", 200),
            Rule.Owned("GET /v2/models/{name}", $"v2/models/{Fn}", 200),
            Rule.Owned("GET /v2/models/{name}/versions/{version}", $"v2/models/{Fn}/versions/1", 200),
            Rule.Owned("GET /v2/models/{name}/ready", $"v2/models/{Fn}/ready", 200),
            Rule.Owned("GET /v2/models/{name}/versions/{version}/ready", $"v2/models/{Fn}/versions/1/ready", 200),
            Rule.Owned("GET /v1/models/{model}", $"v1/models/{Fn}", 200),
            Rule.Owned("POST /v2/models/{name}/infer", $"v2/models/{Fn}/infer", 200, infer),
            Rule.Owned("POST /v2/models/{name}/versions/{version}/infer", $"v2/models/{Fn}/versions/1/infer", 200, infer),
            Rule.Owned("POST /v2/models/{name}/infer", $"v2/models/{Pipe}/infer", 200, infer),
            // A's classifier is no language model and no embedding model: A is told so (400), B and the operator that it does not exist.
            Rule.Owned("POST /v1/chat/completions", "v1/chat/completions", 400, () => Json($$"""{"model":"{{Fn}}","messages":[{"role":"user","content":"hi"}]}""")),
            Rule.Owned("POST /v1/completions", "v1/completions", 400, () => Json($$"""{"model":"{{Fn}}","prompt":"hi"}""")),
            Rule.Owned("POST /v1/responses", "v1/responses", 400, () => Json($$"""{"model":"{{Fn}}","input":"hi"}""")),
            Rule.Owned("POST /v1/embeddings", "v1/embeddings", 400, () => Json($$"""{"model":"{{Fn}}","input":"hi"}""")),
            Rule.Owned("POST /v2/models/{name}/streams", $"v2/models/{Vad}/streams", 201),
            Rule.Owned("POST /v2/models/{name}/versions/{version}/streams", $"v2/models/{Vad}/versions/1/streams", 201),
            Rule.Owned("POST /v2/models/{name}/streams/{id}", $"v2/models/{Vad}/streams/{_streamId}", 200, chunk),
            Rule.Owned("POST /v2/models/{name}/versions/{version}/streams/{id}", $"v2/models/{Vad}/versions/1/streams/{_versionedStreamId}", 200, chunk),
            // Each caller deploys into its own tenant; a pipeline naming A's function is a 400 for anyone but A.
            Rule.Own("POST /api/functions/{name}", who => new Probe("POST", $"api/functions/{Name(who)}-new", Model), 201) with { EchoesUpload = true },
            Rule.Own("POST /api/partitions/{name}", who => new Probe("POST", $"api/partitions/{Name(who)}-part?parts=2", Model), 201),
            new Rule("POST /api/pipelines/{name}", who => new Probe("POST", $"api/pipelines/{Name(who)}-pipe2", () => Json(PipelineOver(Fn))), who => who == Who.A ? 201 : 400),
            Rule.Owned("DELETE /v2/models/{name}/streams/{id}", $"v2/models/{Vad}/streams/{_streamId}", 200),
            Rule.Owned("DELETE /v2/models/{name}/versions/{version}/streams/{id}", $"v2/models/{Vad}/versions/1/streams/{_versionedStreamId}", 200),
            // A deletes the function it deployed above; the others try A's classifier, which must survive them.
            new Rule("DELETE /api/functions/{name}", who => new Probe("DELETE", who == Who.A ? "api/functions/a-new" : $"api/functions/{Fn}"), who => who == Who.A ? 200 : 404),
        ];
    }

    // What tenant b, or the operator's own tenant, must never see: A's artifact and instance always, its functions' names
    // in a listing (a refusal may repeat the name the caller asked for).
    private string[] Leaks(bool listing) => listing ? [_hash, _instance, Fn, Vad, Pipe, "\"a\""] : [_hash, _instance, "\"tenant\":\"a\""];

    private static string Name(Who who) => who switch { Who.A => "a", Who.B => "b", Who.Operator => "ops", _ => "nobody" };

    private static HttpContent Model()
    {
        var content = new ByteArrayContent(TestModels.Classifier);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent Chunk()
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(VadModel.SpeechChunks()[0].AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private string PipelineOver(string function) =>
        """{"inputs":[{"name":"x","datatype":"FP32","shape":[-1,3,48,192]}],"steps":[{"name":"cls","function":""" + JsonSerializer.Serialize(function)
        + ""","inputs":{"x":"input.x"}}],"outputs":{"p":""" + JsonSerializer.Serialize("cls." + _output) + "}}";

    private static bool HasJsonError(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o["error"] is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;

    private HttpClient Http(Who who)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _node.Address, Timeout = TimeSpan.FromSeconds(60) };
        var key = who switch { Who.A => KeyA, Who.B => KeyB, Who.Operator => OperatorKey, Who.Wrong => WrongKey, _ => null };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    private sealed record Probe(string Method, string Path, Func<HttpContent>? Body = null);

    /// <summary>One endpoint (<c>METHOD pattern</c>, as routing names it), how each caller probes it, and what each must get.</summary>
    private sealed record Rule(string Endpoint, Func<Who, Probe> Probe, Func<Who, int> Expected)
    {
        /// <summary>Served without a key (no data behind it).</summary>
        public bool Open { get; init; }

        /// <summary>Lists the caller's tenant's things: nothing of A's may appear for B or the operator.</summary>
        public bool Listing { get; init; }

        /// <summary>The answer names the artifact the caller uploaded, the same bytes as A's: its hash is no leak here.</summary>
        public bool EchoesUpload { get; init; }

        /// <summary>The operator sees every tenant here (the cluster status, the metrics).</summary>
        public bool OperatorSeesAll { get; init; }

        public static Rule All(string endpoint, string path, int status) => new(endpoint, _ => new Probe("GET", path), _ => status) { Open = true };

        public static Rule Keyed(string endpoint, string path, int status) => new(endpoint, _ => new Probe(endpoint.Split(' ')[0], path), _ => status);

        public static Rule OperatorOnly(string endpoint, string path) => new(endpoint, _ => new Probe("GET", path), who => who == Who.Operator ? 200 : 403) { OperatorSeesAll = true };

        public static Rule Lists(string endpoint, string path) => new(endpoint, _ => new Probe("GET", path), _ => 200) { Listing = true };

        /// <summary>A's thing: A gets <paramref name="status"/>, B and the operator's tenant a 404.</summary>
        public static Rule Owned(string endpoint, string path, int status, Func<HttpContent>? body = null) =>
            new(endpoint, _ => new Probe(endpoint.Split(' ')[0], path, body), who => who == Who.A ? status : 404);

        /// <summary>Each caller acts in its own tenant and gets <paramref name="status"/>.</summary>
        public static Rule Own(string endpoint, Func<Who, Probe> probe, int status) => new(endpoint, probe, _ => status);
    }
}
