using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using OpenAI.Chat;
using Stoke.OpenAI.Tests.Support;

namespace Stoke.OpenAI.Tests;

/// <summary>
/// <c>response_format</c> <c>json_object</c> and <c>json_schema</c>: constrained decoding with a llama.cpp grammar, so
/// even the tiny stories260K model writes JSON that parses and validates against the schema.
/// </summary>
[Collection(OpenAICollection.Name)]
public sealed class StructuredOutputTests(OpenAIStoke stoke)
{
    internal const string PersonSchema = """
        {"type":"object",
         "properties":{
           "name":{"type":"string","minLength":1,"maxLength":16},
           "age":{"type":"integer"},
           "height":{"type":"number"},
           "happy":{"type":"boolean"},
           "colour":{"enum":["red","green","blue"]},
           "pets":{"type":"array","items":{"type":"string","maxLength":8},"minItems":1,"maxItems":3},
           "home":{"$ref":"#/$defs/place"},
           "nickname":{"type":["string","null"],"maxLength":8}},
         "required":["name","age","height","happy","colour","pets","home","nickname"],
         "additionalProperties":false,
         "$defs":{"place":{"type":"object","properties":{"city":{"type":"string","maxLength":12}},"required":["city"]}}}
        """;

    [Fact]
    public async Task JsonObjectModeWritesAJsonObject()
    {
        // Greedy on this prompt, the model closes its object; on others it may write strings until max_tokens (finish_reason "length").
        var completion = await CompleteAsync(ChatResponseFormat.CreateJsonObjectFormat(), maxTokens: 300, prompt: "Lily said");

        Assert.True(ChatFinishReason.Stop == completion.FinishReason, completion.Content[0].Text);
        Assert.IsType<JsonObject>(JsonNode.Parse(completion.Content[0].Text));
    }

    [Fact]
    public async Task JsonSchemaModeWritesJsonThatValidatesAgainstTheSchema()
    {
        var completion = await CompleteAsync(
            ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(PersonSchema), jsonSchemaIsStrict: true), maxTokens: 300);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        AssertValid(PersonSchema, completion.Content[0].Text);
    }

    [Fact]
    public async Task AStreamedJsonSchemaAnswerValidatesOnceReassembled()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var text = new StringBuilder();
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 300,
            Temperature = 0.7f,
            Seed = 11,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(PersonSchema)),
        };

        await foreach (var update in chat.CompleteChatStreamingAsync([ChatMessage.CreateUserMessage("Describe a person as JSON.")], options))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        AssertValid(PersonSchema, text.ToString());
    }

    [Fact]
    public async Task MaxTokensThatCutTheGrammarShortEndWithFinishReasonLength()
    {
        var completion = await CompleteAsync(ChatResponseFormat.CreateJsonObjectFormat(), maxTokens: 3);

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.StartsWith("{", completion.Content[0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string","pattern":"^a"}}}""", "response_format.json_schema.schema.properties.name.pattern")]
    [InlineData("""{"type":"object","properties":{"age":{"type":"integer","minimum":0}}}""", "response_format.json_schema.schema.properties.age.minimum")]
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"integer"}]}""", "response_format.json_schema.schema.oneOf")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"string"}}""", "response_format.json_schema.schema.additionalProperties")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}""", "response_format.json_schema.schema.required")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "response_format.json_schema.schema.$ref")]
    [InlineData("""{"type":"date"}""", "response_format.json_schema.schema.type")]
    public async Task SchemaKeywordsOutsideTheSubsetAreRefusedNamingThem(string schema, string param)
    {
        var format = """{"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":""" + schema + "}}}";

        await AssertRefusedAsync(format, param);
    }

    [Theory]
    [InlineData("""{"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}""", "response_format.json_schema.name")]
    [InlineData("""{"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{},"colour":1}}}""", "response_format.json_schema.colour")]
    [InlineData("""{"response_format":{"type":"json_object"},"ignore_eos":true}""", "ignore_eos")]
    public async Task MalformedResponseFormatsAreRefusedNamingTheField(string fields, string param) => await AssertRefusedAsync(fields, param);

    internal static void AssertValid(string schema, string json)
    {
        var result = JsonSchema.FromText(schema).Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, json + "\n" + string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private async Task<ChatCompletion> CompleteAsync(ChatResponseFormat format, int maxTokens, string prompt = "Describe a person as JSON.")
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var result = await chat.CompleteChatAsync(
            [ChatMessage.CreateUserMessage(prompt)],
            new ChatCompletionOptions { MaxOutputTokenCount = maxTokens, Temperature = 0, ResponseFormat = format });
        return result.Value;
    }

    private Task AssertRefusedAsync(string fields, string param) =>
        stoke.AssertRefusedAsync("/v1/chat/completions", StrictFieldTests.Chat(fields), param);
}
