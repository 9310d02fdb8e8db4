using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Protocol;

namespace Stoke.Gateway.OpenAI.Structured;

/// <summary>
/// <c>response_format</c> of a chat request, as the grammar that constrains decoding: <c>text</c> (none),
/// <c>json_object</c> (any JSON object) or <c>json_schema</c> (a sentence of the schema, see <see cref="JsonSchemaGrammar"/>).
/// </summary>
internal static class ResponseFormat
{
    private static readonly FieldRules Fields = new FieldRules().Supported("type", "json_schema");
    private static readonly FieldRules SchemaFields = new FieldRules().Supported("name", "description", "schema", "strict");

    /// <summary>The GBNF grammar, or null for plain text.</summary>
    public static string? Grammar(JsonObject body)
    {
        if (body["response_format"] is null)
        {
            return null;
        }

        var format = body["response_format"] as JsonObject ?? throw OpenAIError.BadRequest("'response_format' must be an object.", "response_format");
        Fields.Check(format, "response_format.");
        switch (JsonRead.String(format, "type"))
        {
            case "text":
                return null;
            case "json_object":
                return JsonGrammar.AnyObject;
            case "json_schema":
                var spec = format["json_schema"] as JsonObject ?? throw OpenAIError.BadRequest("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema");
                return FromSchemaSpec(spec, "response_format.json_schema");
            case var other:
                throw OpenAIError.BadRequest($"'response_format.type' '{other}' is not one of text, json_object, json_schema.", "response_format.type");
        }
    }

    /// <summary>A <c>{name, description, schema, strict}</c> object (chat's <c>json_schema</c>, the Responses API's <c>text.format</c>).</summary>
    public static string FromSchemaSpec(JsonObject spec, string path, FieldRules? rules = null)
    {
        (rules ?? SchemaFields).Check(spec, path + ".");
        var name = JsonRead.String(spec, "name");
        if (name is null || name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw OpenAIError.BadRequest($"'{path}.name' is required: 1 to 64 letters, digits, '_' or '-'.", path + ".name");
        }

        // strict: true or false, the output is constrained either way.
        _ = JsonRead.Bool(spec, "strict");
        return JsonSchemaGrammar.Convert(spec["schema"] ?? new JsonObject(), path + ".schema");
    }
}
