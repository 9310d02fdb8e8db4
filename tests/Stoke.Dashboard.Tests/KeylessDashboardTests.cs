using System.Text.RegularExpressions;
using Stoke.Dashboard.Tests.Support;
using Stoke.Integration.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Stoke.Dashboard.Tests;

/// <summary>The dashboard of a node without API keys, opened from loopback: no key asked, the default tenant shown.</summary>
public sealed class KeylessDashboardTests(KeylessDashboardFixture fixture) : IClassFixture<KeylessDashboardFixture>
{
    [Fact]
    public async Task ShowsTheDefaultTenantsFunctionsWithoutAKey()
    {
        using var client = fixture.Node.Client();
        await client.DeployAsync("cls-keyless", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "60" });

        var page = await fixture.OpenDashboardAsync();

        await Expect(page.Locator("#functions tr[data-function='cls-keyless']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(page.Locator("#scope")).ToHaveTextAsync(new Regex("^tenant default "));
        await page.Context.CloseAsync();
    }
}
