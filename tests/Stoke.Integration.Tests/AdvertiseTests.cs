using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Two nodes advertising a non-loopback address of this machine, as nodes on separate machines would.</summary>
public sealed class AdvertiseTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-advertise-").FullName;
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task NodesAdvertisingAMachineAddressReachEachOtherThroughIt()
    {
        // Traffic to an address of one of this machine's own interfaces stays on the machine.
        var address = LocalAddress();
        using var a = await StartNodeAsync("a", address);
        using var b = await StartNodeAsync("b", address);
        using var first = new StokeClient(Gateway(a));
        using var second = new StokeClient(Gateway(b));

        await first.DeployAsync("cls-advertised", TestModels.Classifier);
        var served = await second.InferAsync("cls-advertised", TestModels.ClassifierJson());
        var nodes = (await second.StatusAsync())["nodes"]!.AsArray().Select(n => n!["nodeId"]!.GetValue<string>()).ToArray();
        await a.StopAsync();
        await b.StopAsync();

        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal(2, nodes.Length);
        Assert.All(nodes, id => Assert.StartsWith($"{address}:", id, StringComparison.Ordinal));
    }

    private async Task<IHost> StartNodeAsync(string name, IPAddress address)
    {
        var host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = Path.Combine(_root, name),
            Repository = Path.Combine(_root, "repository"),
            Redis = _redis.ConnectionString,
            AdvertisedAddress = address,
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
        });
        await host.StartAsync();
        return host;
    }

    private static Uri Gateway(IHost host) => host.Services.GetRequiredService<GatewayServer>().Address!;

    private static IPAddress LocalAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("This test needs a non-loopback IPv4 address on an interface of this machine; it has none.");
}
