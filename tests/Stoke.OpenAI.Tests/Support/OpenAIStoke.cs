using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Samples;

namespace Stoke.OpenAI.Tests.Support;

/// <summary>
/// A real embedded Stoke node with the OpenAI API, API keys (one with a 2 requests/minute quota, one with 20 tokens/minute, an operator's) and the tiny
/// stories260K GGUF deployed as function <c>stories</c>, and as <c>stories-long</c> with a 16k-token context window
/// (<see cref="LongContextModel"/>) for generations that must not end by themselves during a test.
/// </summary>
public sealed class OpenAIStoke : IAsyncLifetime
{
    public const string Key = "sk-stoke-test-unlimited";
    public const string LimitedKey = "sk-stoke-test-limited";
    public const string TokenLimitedKey = "sk-stoke-test-tokens";
    /// <summary>An operator key of the same tenant: <c>/metrics</c> needs one.</summary>
    public const string OperatorKey = "sk-stoke-test-operator";
    public const string Model = "stories";
    public const string LongModel = "stories-long";
    public const int LongContext = 16_384;
    /// <summary>stories260K in <c>../shared/models/llm</c> beside the repository.</summary>
    public static string ModelPath => SharedModels.TryFind(out var dir) ? Path.Combine(dir, "llm", "stories260K.gguf") : "../shared/models/llm/stories260K.gguf";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "stoke-openai-" + Guid.NewGuid().ToString("N")[..8]);
    private IHost _host = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>Hash of <see cref="LongModel"/>'s artifact, which names its loaded file (the engine's <c>stoke.model</c>).</summary>
    public string LongModelSha256 { get; private set; } = null!;

    public NodeHost Node => _host.Services.GetRequiredService<NodeHost>();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ModelPath))
        {
            throw new InvalidOperationException($"{ModelPath} is missing: the OpenAI API tests need the shared stories260K GGUF.");
        }

        _host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = _data,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "openai-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o =>
            {
                o.ControlInterval = TimeSpan.FromMilliseconds(250);
                o.IntraOpThreads = 1;
            },
            ConfigureGateway = g => g.ApiKeys =
            [
                new ApiKeyOptions { Key = Key, Tenant = "acme" },
                new ApiKeyOptions { Key = LimitedKey, Tenant = "acme", RequestsPerMinute = 2 },
                new ApiKeyOptions { Key = TokenLimitedKey, Tenant = "acme", TokensPerMinute = 20 },
                new ApiKeyOptions { Key = OperatorKey, Tenant = "acme", Role = ApiKeyRole.Operator },
            ],
            ConfigureServices = s => s.AddStokeOpenAI(),
        });
        await _host.StartAsync();
        Address = _host.Services.GetRequiredService<GatewayServer>().Address!;
        // The operator's key: the deploy sets prices.
        using var client = new StokeClient(Address, OperatorKey);
        await client.DeployAsync(Model, await File.ReadAllBytesAsync(ModelPath), new Dictionary<string, string>
        {
            ["engine"] = "llama",
            ["file"] = "stories260K.gguf",
            ["keepAliveSeconds"] = "300",
            ["pricePer1kInputTokens"] = "0.5",
            ["pricePer1kOutputTokens"] = "1.5",
        });
        var longModel = LongContextModel.Create(ModelPath, LongContext);
        LongModelSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(longModel));
        await client.DeployAsync(LongModel, longModel, new Dictionary<string, string>
        {
            ["engine"] = "llama",
            ["file"] = "stories260K-16k.gguf",
            ["keepAliveSeconds"] = "300",
            ["maxInstances"] = "1",
        });
    }

    /// <summary>The official OpenAI client pointed at this node (no retries: the SDK would wait out a 429 quietly)'s <c>/v1</c>.</summary>
    public OpenAIClient OpenAI(string key = Key) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Address, "/v1"), NetworkTimeout = TimeSpan.FromSeconds(60), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) });

    /// <param name="key">The API key the client sends.</param>
    /// <param name="drainOnDispose">
    /// False makes a disposed, unfinished response close its connection at once, as a client that goes away does; by
    /// default the handler keeps reading it for up to 2 s or 1 MB to reuse the connection, so the server sees no disconnect.
    /// </param>
    public HttpClient Http(string key = Key, bool drainOnDispose = true)
    {
        var handler = new SocketsHttpHandler();
        if (!drainOnDispose)
        {
            handler.MaxResponseDrainSize = 0;
        }

        var http = new HttpClient(handler) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
