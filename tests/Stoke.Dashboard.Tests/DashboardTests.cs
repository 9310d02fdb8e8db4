using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Stoke.Dashboard.Tests.Support;
using Stoke.Integration.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Stoke.Dashboard.Tests;

/// <summary>The dashboard in a real headless Chromium against a real node serving a real ONNX model.</summary>
public sealed partial class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly Dictionary<string, string> ScaleFromZero = new() { ["keepAliveSeconds"] = "60", ["maxInstances"] = "2", ["targetConcurrency"] = "2" };
    private static readonly LocatorAssertionsToHaveTextOptions Live = new() { Timeout = 30_000 };

    [Fact]
    public async Task ShowsTheDeployedFunctionWithTheKey()
    {
        using var client = fixture.Node.Client(DashboardFixture.Key);
        await client.DeployAsync("cls-listed", TestModels.Classifier, ScaleFromZero);

        var page = await OpenWithKeyAsync();

        await Expect(page.Locator("#functions tr[data-function='cls-listed'] td").First).ToHaveTextAsync("cls-listed", Live);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task InstanceCountRisesFromZeroWithoutReload()
    {
        using var client = fixture.Node.Client(DashboardFixture.Key);
        await client.DeployAsync("cls-scales", TestModels.Classifier, ScaleFromZero);
        var page = await OpenWithKeyAsync();
        var instances = page.Locator("#functions tr[data-function='cls-scales'] td.instances");
        await Expect(instances).ToHaveTextAsync("0", Live);
        // A reload would lose this, so its presence at the end shows the page updated itself.
        await page.EvaluateAsync("() => window.stokeTestMarker = 'same page'");

        var response = await client.InferAsync("cls-scales", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        await Expect(instances).ToHaveTextAsync(PositiveCount(), Live);
        Assert.Equal("same page", await page.EvaluateAsync<string>("() => window.stokeTestMarker"));
        await ScreenshotIfAskedAsync(page, client, "cls-scales");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WrongKeyShowsAnErrorOnThePage()
    {
        var page = await fixture.OpenDashboardAsync();

        await DashboardFixture.UseKeyAsync(page, "not-the-key-at-all");

        await Expect(page.Locator("#error")).ToHaveTextAsync(new Regex("401 Invalid API key"), Live);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DrawsEveryPanelWithoutScriptErrorsUnderItsContentSecurityPolicy()
    {
        var page = await fixture.OpenDashboardAsync();
        // Script errors and CSP refusals; the 401s of the polls made before the key is typed are expected.
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };

        await DashboardFixture.UseKeyAsync(page, DashboardFixture.Key);

        // The nodes panel is drawn last in a poll, and its memory bar is the one element styled from script.
        await Expect(page.Locator("#nodes .node")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    private async Task<IPage> OpenWithKeyAsync()
    {
        var page = await fixture.OpenDashboardAsync();
        await DashboardFixture.UseKeyAsync(page, DashboardFixture.Key);
        return page;
    }

    // With STOKE_DASHBOARD_SCREENSHOTS set to a folder, drives a short burst so the charts have something to show
    // and saves the page there (how docs/img/dashboard.png was made; see docs/dashboard.md).
    private static async Task ScreenshotIfAskedAsync(IPage page, Stoke.Client.StokeClient client, string function)
    {
        var folder = Environment.GetEnvironmentVariable("STOKE_DASHBOARD_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        var body = TestModels.ClassifierJson(rows: 2);
        for (var round = 0; round < 12; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 4 + (round % 4 * 8)).Select(_ => client.InferAsync(function, body)));
            await page.WaitForTimeoutAsync(500);
        }

        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard.png"), FullPage = true });
    }

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex PositiveCount();
}
