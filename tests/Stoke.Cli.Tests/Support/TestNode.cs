using Stoke.Gateway.OpenAI.Hosting;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Gateway.Hosting;

namespace Stoke.Cli.Tests.Support;

/// <summary>A real embedded node on a loopback port with a temporary data folder, shared by the end-to-end tests.</summary>
public sealed class TestNode : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stoke-cli-test-" + Guid.NewGuid().ToString("N")[..8]);
    private IHost? _host;

    public string Address { get; private set; } = "";

    public IServiceProvider Services => _host!.Services;

    /// <summary>An Open Inference Protocol request body for the classifier: one image of a smooth pattern.</summary>
    public static string ClassifierRequest
    {
        get
        {
            var data = string.Join(",", Enumerable.Range(0, 3 * 48 * 192).Select(i => MathF.Sin(i * 0.01f).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            return $$"""{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[{{data}}]}]}""";
        }
    }

    /// <summary>PaddleOCR's text-direction classifier: input x [N,3,48,192] FP32, loads in milliseconds.</summary>
    public static string ClassifierPath
    {
        get
        {
            var path = Stoke.Samples.SharedModels.TryFind(out var dir)
                ? Path.Combine(dir, "paddleocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx")
                : "../shared/models/paddleocr-v4/ch_ppocr_mobile_v2.0_cls_infer.onnx";
            return File.Exists(path) ? path : throw new InvalidOperationException($"The CLI tests need the shared classifier model at {path}.");
        }
    }

    public async Task InitializeAsync()
    {
        _host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = _data,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "cli-test-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o => o.ControlInterval = TimeSpan.FromMilliseconds(250),
            // As stoke serve runs it: the OpenAI-compatible API too.
            ConfigureServices = s => s.AddStokeOpenAI(),
        });
        await _host.StartAsync();
        Address = _host.Services.GetRequiredService<GatewayServer>().Address!.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

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
