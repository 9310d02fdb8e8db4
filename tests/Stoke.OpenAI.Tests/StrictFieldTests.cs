using System.Net;
using System.Text.Json.Nodes;
using Stoke.OpenAI.Tests.Support;

namespace Stoke.OpenAI.Tests;

/// <summary>No request field is silently ignored: each one works, or is a 400 whose OpenAI error names it in <c>param</c>.</summary>
[Collection(OpenAICollection.Name)]
public sealed class StrictFieldTests(OpenAIStoke stoke)
{
    [Theory]
    [InlineData("""{"audio":{"voice":"alloy","format":"wav"}}""", "audio")]
    [InlineData("""{"modalities":["text","audio"]}""", "modalities")]
    [InlineData("""{"prediction":{"type":"content","content":"x"}}""", "prediction")]
    [InlineData("""{"store":true}""", "store")]
    [InlineData("""{"metadata":{"k":"v"}}""", "metadata")]
    [InlineData("""{"reasoning_effort":"low"}""", "reasoning_effort")]
    [InlineData("""{"verbosity":"low"}""", "verbosity")]
    [InlineData("""{"web_search_options":{}}""", "web_search_options")]
    [InlineData("""{"functions":[{"name":"f"}]}""", "functions")]
    [InlineData("""{"function_call":"auto"}""", "function_call")]
    [InlineData("""{"service_tier":"priority"}""", "service_tier")]
    [InlineData("""{"frobnicate":1}""", "frobnicate")]
    [InlineData("""{"n":9}""", "n")]
    [InlineData("""{"stream":true,"stream_options":{"include_obfuscation":true}}""", "stream_options.include_obfuscation")]
    [InlineData("""{"stream_options":{"frobnicate":true}}""", "stream_options.frobnicate")]
    [InlineData("""{"messages":[{"role":"user","content":"hi","name":"bob"}]}""", "messages[0].name")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi","colour":"red"}]}""", "messages[0].colour")]
    [InlineData("""{"messages":[{"role":"assistant","content":"hi","audio":{"id":"a"}}]}""", "messages[0].audio")]
    [InlineData("""{"messages":[{"role":"tool","content":"42"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"messages":[{"role":"function","content":"42","name":"f"}]}""", "messages[0].role")]
    public async Task ChatRefusesAFieldItCannotHonourNamingIt(string fields, string param) =>
        await stoke.AssertRefusedAsync("/v1/chat/completions", Chat(fields), param);

    [Fact]
    public async Task UserMessageWithNullContentIsABadRequest() =>
        await stoke.AssertRefusedAsync("/v1/chat/completions", Chat("""{"messages":[{"role":"user","content":null}]}"""), "messages[0].content");

    [Theory]
    [InlineData("""{"suffix":"the end"}""", "suffix")]
    [InlineData("""{"best_of":3,"n":1}""", "best_of")]
    [InlineData("""{"frobnicate":1}""", "frobnicate")]
    [InlineData("""{"messages":[]}""", "messages")]
    public async Task CompletionRefusesAFieldItCannotHonourNamingIt(string fields, string param) =>
        await stoke.AssertRefusedAsync("/v1/completions", Completion(fields), param);

    [Theory]
    [InlineData("""{"frobnicate":1}""", "frobnicate")]
    [InlineData("""{"input":[[1,2,3]]}""", "input")]
    [InlineData("""{"input":[1,2,3]}""", "input")]
    public async Task EmbeddingsRefuseAFieldItCannotHonourNamingIt(string fields, string param) =>
        await stoke.AssertRefusedAsync("/v1/embeddings", Merge("""{"model":"stories","input":"hi"}""", fields), param);

    [Fact]
    public async Task ChatAcceptsOpenAIFieldsWithTheValuesStokeHonours()
    {
        using var http = stoke.Http();
        var body = Chat("""
            {"store":false,"modalities":["text"],"service_tier":"auto","parallel_tool_calls":true,"user":"end-user-7",
             "safety_identifier":"end-user-7","prompt_cache_key":"story-1","metadata":null,"logit_bias":{},
             "frequency_penalty":0,"presence_penalty":0,"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false},
             "messages":[{"role":"developer","content":[{"type":"text","text":"Tell stories."}]},{"role":"user","content":"Once"},
                         {"role":"assistant","content":null,"refusal":"No."},{"role":"user","content":"Please"}]}
            """);

        var response = await http.PostAsync("/v1/chat/completions", ChatCompletionTests.Json(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssistantMessageWithToolCallsAndNoContentIsAccepted()
    {
        using var http = stoke.Http();
        var body = Chat("""
            {"messages":[{"role":"user","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}
            """);

        var response = await http.PostAsync("/v1/chat/completions", ChatCompletionTests.Json(body));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    internal static JsonObject Chat(string fields) =>
        Merge("""{"model":"stories","max_tokens":8,"temperature":0,"messages":[{"role":"user","content":"Once upon a time"}]}""", fields);

    internal static JsonObject Completion(string fields) =>
        Merge("""{"model":"stories","max_tokens":8,"temperature":0,"prompt":"Once upon a time"}""", fields);

    internal static JsonObject Merge(string baseline, string fields)
    {
        var body = JsonNode.Parse(baseline)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject())
        {
            body[name] = value?.DeepClone();
        }

        return body;
    }
}
