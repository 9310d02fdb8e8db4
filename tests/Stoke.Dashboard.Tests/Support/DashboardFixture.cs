using Microsoft.Playwright;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Dashboard.Tests.Support;

/// <summary>
/// A real node with an API key on loopback and a real headless Chromium (Debian's, driven by Playwright through
/// its executable path, so nothing is downloaded). Without Chromium the tests fail and say how to install it.
/// </summary>
public class DashboardFixture : IAsyncLifetime
{
    public const string Key = "dashboard-test-key";
    public const string Tenant = "acme";
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public EmbeddedStoke Node { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The dashboard tests need Chromium at {ChromiumPath}: apt-get update && apt-get install -y chromium (.ci/run installs it).");
        }

        Node = await EmbeddedStoke.StartAsync(gateway: ConfigureGateway);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>The node's keys: one, for tenant <see cref="Tenant"/>.</summary>
    protected virtual void ConfigureGateway(GatewayOptions gateway) => gateway.ApiKeys = [new ApiKeyOptions { Key = Key, Tenant = Tenant }];

    /// <summary>A fresh page (its own session storage) on the node's dashboard.</summary>
    public async Task<IPage> OpenDashboardAsync()
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Node.Address, "/dashboard").ToString());
        return page;
    }

    /// <summary>Types the key into the page's form, as a user would.</summary>
    public static async Task UseKeyAsync(IPage page, string key)
    {
        await page.FillAsync("#key", key);
        await page.ClickAsync("#key-save");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Node is not null)
        {
            await Node.DisposeAsync();
        }
    }
}

/// <summary>A node without keys: it serves loopback clients, the browser here, as the default tenant.</summary>
public sealed class KeylessDashboardFixture : DashboardFixture
{
    protected override void ConfigureGateway(GatewayOptions gateway)
    {
    }
}
