using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// Keyless mode is for a node only loopback clients reach: beyond loopback, or behind a proxy that forwards, it needs
/// keys or an explicit <c>AllowAnonymous</c>; the loopback caller is the default tenant with operator rights.
/// </summary>
public sealed class KeylessTests
{
    [Fact]
    public async Task NodeBoundBeyondLoopbackWithoutKeysRefusesToStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => EmbeddedStoke.StartAsync(gateway: g => g.Url = "http://0.0.0.0:0"));
        Assert.Contains("--allow-anonymous", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeBoundBeyondLoopbackStartsWithAllowAnonymous()
    {
        await using var node = await EmbeddedStoke.StartAsync(gateway: g =>
        {
            g.Url = "http://0.0.0.0:0";
            g.AllowAnonymous = true;
        });
        using var client = node.Client();
        Assert.Empty((await client.ListAsync()).AsArray());
    }

    [Fact]
    public async Task KeylessNodeSaysAtStartWhomItServes()
    {
        var logs = new CapturingLoggerProvider();
        // The line is at Information, as `stoke serve` logs by default; the test host logs warnings only.
        await using var node = await EmbeddedStoke.StartAsync(
            services: s => s.AddSingleton<ILoggerProvider>(logs), args: ["--Logging:LogLevel:Stoke.Gateway=Information"]);

        Assert.Contains(logs.Entries, e => e.EventId.Id == 3002 && e.Message.Contains("direct loopback clients only, as tenant 'default' with operator rights", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7;proto=https")]
    public async Task ForwardedRequestToAKeylessNodeIs401WithTheReason(string header, string value)
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var http = new HttpClient { BaseAddress = node.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/functions");
        request.Headers.Add(header, value);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("refuses forwarded requests", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeylessLoopbackCallerIsOperator()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        using var http = new HttpClient { BaseAddress = node.Address };

        var priced = await client.DeployAsync("priced", TestModels.Classifier, new Dictionary<string, string> { ["pricePerGbSecond"] = "0.5" });
        var metrics = await http.GetAsync("metrics");

        Assert.Equal(0.5m, priced["pricing"]!["perGbSecond"]!.GetValue<decimal>());
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}
