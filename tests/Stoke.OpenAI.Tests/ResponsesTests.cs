using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI.Responses;
using Stoke.OpenAI.Tests.Support;

namespace Stoke.OpenAI.Tests;

/// <summary><c>/v1/responses</c> for text in and out (driven by Microsoft.Extensions.AI's Responses adapter), and <c>prompt</c> as a list.</summary>
[Collection(OpenAICollection.Name)]
public sealed class ResponsesTests(OpenAIStoke stoke)
{
    [Fact]
    public async Task MicrosoftExtensionsAiGetsAnAnswerThroughTheResponsesApi()
    {
        IChatClient client = stoke.OpenAI().GetResponsesClient().AsIChatClient(OpenAIStoke.Model);

        var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 16, Temperature = 0 });

        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.InRange(response.Usage?.OutputTokenCount ?? 0, 1, 16);
    }

    // Through the OpenAI SDK's own ResponsesClient: Microsoft.Extensions.AI.OpenAI 10.11's streaming adapter calls a
    // CreateResponseStreamingAsync overload that OpenAI 2.15 no longer has (MissingMethodException, not a server fault).
    [Fact]
    public async Task TheOpenAISdkStreamsAResponseAsTextDeltas()
    {
        var client = stoke.OpenAI().GetResponsesClient();
        var options = new CreateResponseOptions { Model = OpenAIStoke.Model, MaxOutputTokenCount = 16, StreamingEnabled = true };
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("Once upon a time"));
        var text = new StringBuilder();
        var deltas = 0;
        string? completed = null;

        await foreach (var update in await client.CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
                deltas++;
            }
            else if (update is StreamingResponseCompletedUpdate or StreamingResponseIncompleteUpdate)
            {
                completed = update is StreamingResponseCompletedUpdate done ? done.Response.GetOutputText() : ((StreamingResponseIncompleteUpdate)update).Response.GetOutputText();
            }
        }

        Assert.True(deltas > 3, $"expected a token-by-token stream, got {deltas} deltas");
        Assert.Equal(completed, text.ToString());
    }

    [Fact]
    public async Task AMessageListWithInstructionsIsAnsweredAsOneOutputTextMessage()
    {
        var body = await PostAsync("""
            {"model":"stories","instructions":"Tell stories.","max_output_tokens":48,"temperature":0,
             "input":[{"role":"user","content":"Once upon a time"},{"role":"assistant","content":[{"type":"output_text","text":"there was a cat."}]},
                      {"type":"message","role":"user","content":[{"type":"input_text","text":"And then?"}]}]}
            """);

        Assert.Equal("response", body["object"]!.GetValue<string>());
        var content = body["output"]![0]!["content"]![0]!;
        Assert.Equal("output_text", content["type"]!.GetValue<string>());
        Assert.NotEmpty(content["text"]!.GetValue<string>());
        Assert.True(body["usage"]!["input_tokens"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task MaxOutputTokensThatCutTheAnswerMakeItIncomplete()
    {
        var body = await PostAsync("""{"model":"stories","input":"Once upon a time","max_output_tokens":2,"temperature":0}""");

        Assert.Equal("incomplete", body["status"]!.GetValue<string>());
        Assert.Equal("max_output_tokens", body["incomplete_details"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task TextFormatJsonSchemaConstrainsTheOutput()
    {
        var body = await PostAsync("""
            {"model":"stories","input":"Describe a person as JSON.","max_output_tokens":300,"temperature":0,
             "text":{"format":{"type":"json_schema","name":"person","strict":true,"schema":
            """ + StructuredOutputTests.PersonSchema + "}}}");

        StructuredOutputTests.AssertValid(StructuredOutputTests.PersonSchema, body["output"]![0]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"store":true}""", "store")]
    [InlineData("""{"previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"reasoning":{"effort":"low"}}""", "reasoning")]
    [InlineData("""{"frobnicate":1}""", "frobnicate")]
    [InlineData("""{"input":[{"type":"function_call_output","call_id":"c","output":"x"}]}""", "input[0].type")]
    [InlineData("""{"input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"text":{"format":{"type":"json_schema","name":"s","schema":{"type":"string","format":"date"}}}}""", "text.format.schema.format")]
    public async Task FieldsItCannotHonourAreRefusedNamingThem(string fields, string param) =>
        await stoke.AssertRefusedAsync("/v1/responses", StrictFieldTests.Merge("""{"model":"stories","input":"Once","max_output_tokens":4}""", fields), param);

    [Fact]
    public async Task AListOfPromptsGetsItsChoicesInPromptOrder()
    {
        using var http = stoke.Http();
        var both = await CompleteAsync(http, """["Once upon a time","The little cat"]""", n: 2);
        var first = await CompleteAsync(http, "\"Once upon a time\"", n: 1);
        var second = await CompleteAsync(http, "\"The little cat\"", n: 1);

        var texts = both["choices"]!.AsArray().OrderBy(c => c!["index"]!.GetValue<int>()).Select(c => c!["text"]!.GetValue<string>()).ToArray();
        Assert.Equal(4, texts.Length);
        Assert.Equal([Text(first), Text(first), Text(second), Text(second)], texts);
        Assert.Equal(PromptTokens(first) + PromptTokens(second), PromptTokens(both));
    }

    [Fact]
    public async Task APromptOfTokenIdsIsRefusedNamingIt() =>
        await stoke.AssertRefusedAsync("/v1/completions", StrictFieldTests.Completion("""{"prompt":[1,2,3]}"""), "prompt");

    private static string Text(JsonNode body) => body["choices"]![0]!["text"]!.GetValue<string>();

    private static int PromptTokens(JsonNode body) => body["usage"]!["prompt_tokens"]!.GetValue<int>();

    private static async Task<JsonNode> CompleteAsync(HttpClient http, string prompt, int n)
    {
        var response = await http.PostAsync("/v1/completions", ChatCompletionTests.Json(StrictFieldTests.Completion($$"""{"prompt":{{prompt}},"n":{{n}},"max_tokens":12}""")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonNode> PostAsync(string json)
    {
        using var http = stoke.Http();
        var response = await http.PostAsync("/v1/responses", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }
}
