using Microsoft.Extensions.DependencyInjection;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Routing;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>Requests naming functions that do not exist leave no trace that grows with each name: no metric series, no cache entry.</summary>
public sealed class UnknownNameTests : IAsyncLifetime
{
    private const int Names = 1000;
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task ThousandUnknownNamesAddNoMetricSeries()
    {
        using var http = new HttpClient { BaseAddress = _node.Address };
        // The first unknown name makes its one series, the first scrape its own route's.
        await InferUnknownAsync(http, "warm-up");
        await SeriesAsync(http);
        var before = await SeriesAsync(http);

        for (var i = 0; i < Names; i++)
        {
            await InferUnknownAsync(http, "no-such-" + i);
        }

        Assert.Equal(before, await SeriesAsync(http));
    }

    [Fact]
    public async Task ThousandUnknownNamesAddNoDirectoryEntries()
    {
        using var http = new HttpClient { BaseAddress = _node.Address };
        var directory = _node.Services.GetRequiredService<GatewayServer>().Services!.GetRequiredService<FunctionDirectory>();
        var before = directory.Count;

        for (var i = 0; i < Names; i++)
        {
            await InferUnknownAsync(http, "no-such-" + i);
        }

        Assert.Equal(before, directory.Count);
    }

    private static async Task InferUnknownAsync(HttpClient http, string name)
    {
        using var response = await http.PostAsync($"v2/models/{name}/infer", new StringContent(TestModels.ClassifierJson()));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    // Sample lines of the scrape: one per series (and per bucket of a histogram's series).
    private static async Task<int> SeriesAsync(HttpClient http) =>
        (await http.GetStringAsync("metrics")).Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));
}
