using System.Net;
using System.Text.Json.Nodes;

namespace Stoke.OpenAI.Tests.Support;

/// <summary>The strict API's refusal: a 400 <c>invalid_request_error</c> whose <c>param</c> names the field.</summary>
internal static class Refusals
{
    public static async Task AssertRefusedAsync(this OpenAIStoke stoke, string path, JsonObject body, string param)
    {
        using var http = stoke.Http();

        var response = await http.PostAsync(path, ChatCompletionTests.Json(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
    }
}
