using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Structured;

namespace Stoke.Gateway.OpenAI.Tools;

/// <summary>A call the model made: the tool's name and its arguments as JSON text (OpenAI's <c>function.arguments</c>).</summary>
internal sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>
/// <c>tools</c> and <c>tool_choice</c> in Stoke's fallback tool format (llama.cpp's built-in chat templates have no
/// tool syntax): the tools are described in a system message that asks for <c>{"name": ..., "arguments": {...}}</c>;
/// <c>required</c> or a named function adds a grammar that forces exactly that JSON with arguments matching the tool's
/// parameter schema; under <c>auto</c> the model is free, and an answer that is such a JSON naming a tool is the call.
/// </summary>
internal sealed class ToolSet
{
    private static readonly FieldRules ToolFields = new FieldRules().Supported("type", "function");
    private static readonly FieldRules FunctionFields = new FieldRules().Supported("name", "description", "parameters", "strict");
    private static readonly FieldRules ChoiceFields = new FieldRules().Supported("type", "function");
    private static readonly FieldRules NamedFields = new FieldRules().Supported("name");

    private readonly Dictionary<string, (string? Description, JsonNode Parameters)> _tools;

    private ToolSet(Dictionary<string, (string?, JsonNode)> tools, string? grammar)
    {
        _tools = tools;
        Grammar = grammar;
    }

    /// <summary>The grammar that forces a call (<c>required</c> or a named function); null under <c>auto</c>.</summary>
    public string? Grammar { get; }

    /// <summary>The request's tools, or null when it has none or <c>tool_choice</c> is <c>none</c> (then tools are not shown).</summary>
    public static ToolSet? Parse(JsonObject body)
    {
        var tools = new Dictionary<string, (string?, JsonNode)>(StringComparer.Ordinal);
        var list = body["tools"] switch
        {
            null => [],
            JsonArray a => a,
            _ => throw OpenAIError.BadRequest("'tools' must be an array.", "tools"),
        };
        for (var i = 0; i < list.Count; i++)
        {
            var (name, description, parameters) = Tool(list[i] as JsonObject, $"tools[{i}]");
            if (!tools.TryAdd(name, (description, parameters)))
            {
                throw OpenAIError.BadRequest($"tools[{i}]: the tool name '{name}' is used twice.", $"tools[{i}].function.name");
            }
        }

        var choice = body["tool_choice"];
        if (choice is JsonValue v && v.TryGetValue<string>(out var s) && s == "none")
        {
            return null;
        }

        var forced = Forced(choice, tools);
        if (tools.Count == 0)
        {
            return null;
        }

        var grammar = forced is null ? null : CallGrammar(forced.Select(n => (n, tools[n].Item2)));
        return new ToolSet(tools, grammar);
    }

    /// <summary>The conversation with the tools described in a system message at its start.</summary>
    public ChatTurn[] Describe(ChatTurn[] turns)
    {
        var text = new System.Text.StringBuilder(
            "You can call tools. To call one, answer with only a JSON object {\"name\": TOOL, \"arguments\": {...}} whose arguments match the tool's parameters. Tools:\n");
        foreach (var (name, (description, parameters)) in _tools)
        {
            text.Append("- ").Append(name).Append(description is null ? "" : ": " + description)
                .Append(" Parameters: ").Append(parameters.ToJsonString()).Append('\n');
        }

        return [new ChatTurn("system", text.ToString().TrimEnd()), .. turns];
    }

    /// <summary>The call an answer makes, or null when it is text: only a JSON object naming a tool, with object arguments.</summary>
    public ToolCall? Recognize(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text.Trim());
        }
        catch (JsonException)
        {
            return null;
        }

        return node is JsonObject { Count: 2 } call
            && call["name"] is JsonValue n && n.TryGetValue<string>(out var name) && _tools.ContainsKey(name)
            && call["arguments"] is JsonObject arguments
            ? new ToolCall("call_" + Guid.NewGuid().ToString("N")[..24], name, arguments.ToJsonString())
            : null;
    }

    private static (string Name, string? Description, JsonNode Parameters) Tool(JsonObject? tool, string at)
    {
        if (tool is null)
        {
            throw OpenAIError.BadRequest($"{at} must be an object.", at);
        }

        if (JsonRead.String(tool, "type") != "function")
        {
            throw OpenAIError.BadRequest($"'{at}.type' is not supported: only function tools are (custom tools take free text this server cannot constrain).", at + ".type");
        }

        ToolFields.Check(tool, at + ".");

        var function = tool["function"] as JsonObject ?? throw OpenAIError.BadRequest($"Missing required parameter: '{at}.function'.", at + ".function");
        FunctionFields.Check(function, at + ".function.");
        var name = JsonRead.String(function, "name");
        if (name is null || name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw OpenAIError.BadRequest($"'{at}.function.name' is required: 1 to 64 letters, digits, '_' or '-'.", at + ".function.name");
        }

        _ = JsonRead.Bool(function, "strict"); // calls are constrained by the schema whenever they are forced
        var parameters = function["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
        JsonSchemaGrammar.Convert(parameters, at + ".function.parameters"); // refuses what the grammar subset lacks now, not at the first forced call
        return (name, JsonRead.String(function, "description"), parameters);
    }

    // The tools a call is forced among: all of them for "required", one for a named function, none for "auto".
    private static string[]? Forced(JsonNode? choice, Dictionary<string, (string?, JsonNode)> tools)
    {
        switch (choice)
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue<string>(out var mode):
                return mode switch
                {
                    "auto" => null,
                    "required" when tools.Count > 0 => [.. tools.Keys],
                    "required" => throw OpenAIError.BadRequest("'tool_choice' is 'required' but there are no tools.", "tool_choice"),
                    _ => throw OpenAIError.BadRequest($"'tool_choice' '{mode}' is not one of none, auto, required, or a named function.", "tool_choice"),
                };
            case JsonObject named:
                ChoiceFields.Check(named, "tool_choice.");
                if (JsonRead.String(named, "type") != "function")
                {
                    throw OpenAIError.BadRequest("'tool_choice.type' is not supported: only a named function (allowed_tools and custom tools are not).", "tool_choice.type");
                }

                var function = named["function"] as JsonObject ?? throw OpenAIError.BadRequest("Missing required parameter: 'tool_choice.function'.", "tool_choice.function");
                NamedFields.Check(function, "tool_choice.function.");
                var name = JsonRead.RequiredString(function, "name");
                return tools.ContainsKey(name) ? [name] : throw OpenAIError.BadRequest($"'tool_choice.function.name' '{name}' is not among the tools.", "tool_choice.function.name");
            default:
                throw OpenAIError.BadRequest("'tool_choice' must be a string or an object.", "tool_choice");
        }
    }

    // {"name": "NAME", "arguments": ARGS} for each forced tool, its arguments a sentence of its parameter schema.
    private static string CallGrammar(IEnumerable<(string Name, JsonNode Parameters)> tools)
    {
        var schema = new JsonObject
        {
            ["anyOf"] = new JsonArray(tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["name"] = new JsonObject { ["const"] = t.Name }, ["arguments"] = t.Parameters.DeepClone() },
            }).ToArray()),
        };
        return JsonSchemaGrammar.Convert(schema, "tools");
    }
}
