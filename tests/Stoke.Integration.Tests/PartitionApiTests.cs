using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary><c>POST /api/partitions/{name}</c>: a model cut into slices deployed as functions, and what it refuses.</summary>
public sealed class PartitionApiTests(SharedStoke stoke) : IClassFixture<SharedStoke>
{
    [Fact]
    public async Task DeploysEachSliceAsAFunctionWhoseInputsAreThePlans()
    {
        using var http = new HttpClient { BaseAddress = stoke.Node.Address };
        using var response = await PostAsync(http, "/api/partitions/clsp?parts=2&keepAliveSeconds=30");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal(["clsp-part1", "clsp-part2"], body["functions"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        var planInputs = body["plan"]!["slices"]![1]!["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>());
        var described = JsonNode.Parse(await http.GetStringAsync("/api/functions/clsp-part2"))!;
        Assert.Equal(planInputs, described["latest"]!["signature"]!["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("clsbad", "parts=100000", "The graph allows at most")]
    [InlineData("clsset", "parts=2&maxBatchSise=4", "maxBatchSise")]
    [InlineData("clsnum", "parts=two", "'parts' must be a number")]
    public async Task BadInputIs400NamingItAndDeploysNoSlice(string name, string query, string expected)
    {
        using var http = new HttpClient { BaseAddress = stoke.Node.Address };
        using var response = await PostAsync(http, $"/api/partitions/{name}?{query}");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        using var describe = await http.GetAsync($"/api/functions/{name}-part1");
        Assert.Equal(HttpStatusCode.NotFound, describe.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string uri)
    {
        var content = new ByteArrayContent(TestModels.Classifier);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return http.PostAsync(uri, content);
    }
}
