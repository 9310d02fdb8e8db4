using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Grpc.Hosting;
using Stoke.Gateway.Hosting;

namespace Stoke.Grpc.Tests.Support;

/// <summary>
/// A real embedded Stoke node with the gRPC listener on a free loopback port, an API key (and one with a quota), a 4 MiB request limit,
/// and PaddleOCR's direction classifier deployed as <see cref="Model"/>.
/// </summary>
public sealed class GrpcStoke : IAsyncLifetime
{
    public const string Key = "sk-stoke-grpc-test";

    /// <summary>A second key of the same tenant, allowed 2 requests a minute.</summary>
    public const string LimitedKey = "sk-stoke-grpc-limited";
    /// <summary>A key of another tenant, and an operator's key (tests/Stoke.Grpc.Tests/TenantMatrixTests.cs).</summary>
    public const string OtherKey = "sk-stoke-grpc-other";
    public const string OperatorKey = "sk-stoke-grpc-operator";
    public const string Model = "cls";
    public const int MaxRequestBytes = 4 << 20;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "stoke-grpc-" + Guid.NewGuid().ToString("N")[..8]);
    private IHost _host = null!;
    private GrpcChannel _channel = null!;
    private Lazy<Task> _ocr = null!;

    /// <summary>The REST gateway.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The gRPC listener.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = _data,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "grpc-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o =>
            {
                o.ControlInterval = TimeSpan.FromMilliseconds(250);
                o.IntraOpThreads = 1;
            },
            ConfigureGateway = g =>
            {
                g.ApiKeys =
                [
                    new ApiKeyOptions { Key = Key, Tenant = "acme" },
                    new ApiKeyOptions { Key = LimitedKey, Tenant = "acme", RequestsPerMinute = 2 },
                    new ApiKeyOptions { Key = OtherKey, Tenant = "other" },
                    new ApiKeyOptions { Key = OperatorKey, Tenant = "ops", Role = ApiKeyRole.Operator },
                ];
                g.MaxRequestBodyBytes = MaxRequestBytes;
            },
            ConfigureServices = s => s.AddStokeGrpc(o => o.Url = "http://127.0.0.1:0"),
        });
        await _host.StartAsync();
        Address = _host.Services.GetRequiredService<GatewayServer>().Address!;
        GrpcAddress = _host.Services.GetRequiredService<GrpcGatewayExtension>().Address!;
        _channel = GrpcChannel.ForAddress(GrpcAddress);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        using var rest = Rest();
        await rest.DeployAsync(Model, ClassifierInput.Model, new Dictionary<string, string> { ["keepAliveSeconds"] = "300" });
        _ocr = new Lazy<Task>(async () =>
        {
            using var owner = Rest();
            await OcrPipeline.DeployAsync(owner);
        });
    }

    /// <summary>Deploys the OCR pipeline and its three functions (tenant acme) on the first call; later calls wait for that one.</summary>
    public Task DeployOcrOnceAsync() => _ocr.Value;

    /// <summary>A REST client with the key, for the same requests over HTTP/1.1.</summary>
    public StokeClient Rest(string? key = Key) => new(Address, key);

    /// <summary>Call metadata carrying an API key as gRPC clients send it.</summary>
    public static Metadata Auth(string key = Key) => new() { { "authorization", "Bearer " + key } };

    public async Task DisposeAsync()
    {
        _channel.Dispose();
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

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class GrpcCollection : ICollectionFixture<GrpcStoke>
{
    public const string Name = "grpc node";
}
