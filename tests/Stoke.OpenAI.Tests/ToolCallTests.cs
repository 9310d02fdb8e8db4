using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Stoke.OpenAI.Tests.Support;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace Stoke.OpenAI.Tests;

/// <summary>
/// <c>tools</c> / <c>tool_choice</c> in Stoke's fallback tool format: a forced choice makes the grammar write a call whose
/// arguments match the tool's parameter schema, answered as OpenAI <c>tool_calls</c> with <c>finish_reason: "tool_calls"</c>.
/// </summary>
[Collection(OpenAICollection.Name)]
public sealed class ToolCallTests(OpenAIStoke stoke)
{
    private const string WeatherSchema = """
        {"type":"object","properties":{"city":{"type":"string","minLength":1,"maxLength":16},"unit":{"enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},
         "required":["city","unit","days"],"additionalProperties":false}
        """;

    private const string TimeSchema = """{"type":"object","properties":{"zone":{"type":"string","maxLength":8}},"required":["zone"]}""";

    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString(WeatherSchema));
    private static readonly ChatTool Time = ChatTool.CreateFunctionTool("get_time", "The time in a zone", BinaryData.FromString(TimeSchema));

    [Fact]
    public async Task AForcedFunctionIsCalledWithArgumentsThatMatchItsSchema()
    {
        var completion = await CompleteAsync(ChatToolChoice.CreateFunctionChoice("get_weather"));

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        StructuredOutputTests.AssertValid(WeatherSchema, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task RequiredCallsOneOfTheToolsWithArgumentsThatMatchThatToolsSchema()
    {
        var completion = await CompleteAsync(ChatToolChoice.CreateRequiredChoice());

        var call = Assert.Single(completion.ToolCalls);
        Assert.Contains(call.FunctionName, new[] { "get_weather", "get_time" });
        StructuredOutputTests.AssertValid(call.FunctionName == "get_weather" ? WeatherSchema : TimeSchema, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task AStreamedForcedCallArrivesAsToolCallUpdates()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var arguments = new StringBuilder();
        string? name = null;
        ChatFinishReason? finish = null;
        var options = Options(ChatToolChoice.CreateFunctionChoice("get_weather"));

        await foreach (var update in chat.CompleteChatStreamingAsync([ChatMessage.CreateUserMessage("What is the weather in Oslo?")], options))
        {
            foreach (var tool in update.ToolCallUpdates)
            {
                name ??= tool.FunctionName;
                arguments.Append(tool.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("get_weather", name);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        StructuredOutputTests.AssertValid(WeatherSchema, arguments.ToString());
    }

    [Fact]
    public async Task MicrosoftExtensionsAiSeesARequiredCallAsFunctionCallContent()
    {
        IChatClient client = stoke.OpenAI().GetChatClient(OpenAIStoke.Model).AsIChatClient();
        var weather = AIFunctionFactory.Create((string city, int days) => $"{city}: sunny for {days} days", "get_weather", "The weather in a city");

        var response = await client.GetResponseAsync(
            "What is the weather in Oslo?", new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireAny, MaxOutputTokens = 120, Temperature = 0 });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.NotNull(call.Arguments);
        Assert.True(call.Arguments!.ContainsKey("city") && call.Arguments.ContainsKey("days"));
    }

    [Fact]
    public async Task ToolChoiceNoneAnswersWithText()
    {
        var completion = await CompleteAsync(ChatToolChoice.CreateNoneChoice());

        Assert.Empty(completion.ToolCalls);
        Assert.NotEqual(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.NotEmpty(completion.Content[0].Text);
    }

    [Theory]
    [InlineData("""{"tools":[{"type":"custom","custom":{"name":"x"}}]}""", "tools[0].type")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","pattern":"a"}}}}}]}""", "tools[0].function.parameters.properties.x.pattern")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", "tool_choice.function.name")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[]}}}""", "tool_choice.allowed_tools")]
    [InlineData("""{"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","colour":1}}]}""", "tools[0].function.colour")]
    public async Task MalformedToolsAreRefusedNamingTheField(string fields, string param) =>
        await stoke.AssertRefusedAsync("/v1/chat/completions", StrictFieldTests.Chat(fields), param);

    private static ChatCompletionOptions Options(ChatToolChoice choice)
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 120, Temperature = 0, ToolChoice = choice };
        options.Tools.Add(Weather);
        options.Tools.Add(Time);
        return options;
    }

    private async Task<ChatCompletion> CompleteAsync(ChatToolChoice choice)
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var result = await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("What is the weather in Oslo?")], Options(choice));
        return result.Value;
    }
}
