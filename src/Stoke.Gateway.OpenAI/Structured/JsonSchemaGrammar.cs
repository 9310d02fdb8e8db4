using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Protocol;

namespace Stoke.Gateway.OpenAI.Structured;

/// <summary>
/// Turns a JSON Schema into a GBNF grammar whose every sentence validates against it, for constrained decoding. The
/// subset: <c>type</c> (one or a list), <c>object</c> with <c>properties</c>/<c>required</c>/<c>additionalProperties</c>,
/// <c>string</c> with <c>minLength</c>/<c>maxLength</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>null</c>,
/// <c>array</c> with <c>items</c>/<c>minItems</c>/<c>maxItems</c>, <c>enum</c>, <c>const</c>, <c>anyOf</c>, and local
/// <c>$ref</c>s into <c>$defs</c>/<c>definitions</c> (recursion included). Annotations are allowed; any other keyword
/// is refused with a 400 naming it, since ignoring it would let through output the schema forbids.
/// An object's properties are written in their declared order, optional ones included.
/// </summary>
internal sealed class JsonSchemaGrammar
{
    private static readonly HashSet<string> Annotations =
        ["title", "description", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

    private static readonly HashSet<string> Keywords =
    [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
        "minLength", "maxLength", "anyOf", "$ref", "$defs", "definitions",
    ];

    private readonly JsonNode _document;
    private readonly string _documentPath;
    private readonly StringBuilder _rules = new();
    private readonly Dictionary<string, string> _ruleByBody = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ruleByRef = new(StringComparer.Ordinal);

    private JsonSchemaGrammar(JsonNode document, string documentPath)
    {
        _document = document;
        _documentPath = documentPath;
    }

    /// <summary>The grammar for <paramref name="schema"/>; <paramref name="param"/> is its place in the request, for errors.</summary>
    public static string Convert(JsonNode schema, string param)
    {
        var grammar = new JsonSchemaGrammar(schema, param);
        var root = grammar.Visit(schema, param);
        return "root ::= " + root + "\n" + grammar._rules + JsonGrammar.Primitives + "\n";
    }

    private string Visit(JsonNode? node, string path)
    {
        if (node is JsonValue v && v.TryGetValue<bool>(out var any))
        {
            return any ? "value" : throw Refuse(path, "a schema of false accepts nothing.");
        }

        if (node is not JsonObject schema)
        {
            throw Refuse(path, "a schema must be an object or a boolean.");
        }

        foreach (var (key, _) in schema)
        {
            if (!Keywords.Contains(key) && !Annotations.Contains(key))
            {
                throw Refuse($"{path}.{key}", $"the keyword '{key}' is outside Stoke's JSON Schema subset (docs/openai.md#structured-output).");
            }
        }

        if (schema["$ref"] is { } reference)
        {
            return Reference(reference, path + ".$ref");
        }

        if (schema["const"] is { } constant)
        {
            return JsonGrammar.Literal(constant.ToJsonString());
        }

        if (schema["enum"] is { } values)
        {
            var items = values as JsonArray is { Count: > 0 } list ? list : throw Refuse(path + ".enum", "enum must be a non-empty array.");
            return Rule(string.Join(" | ", items.Select(i => JsonGrammar.Literal(i?.ToJsonString() ?? "null"))));
        }

        if (schema["anyOf"] is { } anyOf)
        {
            var options = anyOf as JsonArray is { Count: > 0 } list ? list : throw Refuse(path + ".anyOf", "anyOf must be a non-empty array.");
            return Rule(string.Join(" | ", options.Select((o, i) => Visit(o, $"{path}.anyOf[{i}]"))));
        }

        return schema["type"] switch
        {
            null => "value",
            JsonArray types => Rule(string.Join(" | ", types.Select((t, i) => OfType(schema, TypeName(t, $"{path}.type[{i}]"), path)))),
            var type => OfType(schema, TypeName(type, path + ".type"), path),
        };
    }

    private string OfType(JsonObject schema, string type, string path) => type switch
    {
        "object" => ObjectRule(schema, path),
        "array" => ArrayRule(schema, path),
        "string" => StringRule(schema, path),
        "integer" or "number" or "boolean" or "null" => type,
        _ => throw Refuse(path + ".type", $"'{type}' is not a JSON Schema type."),
    };

    private string ObjectRule(JsonObject schema, string path)
    {
        if (schema["additionalProperties"] is { } extra && !(extra is JsonValue v && v.TryGetValue<bool>(out _)))
        {
            throw Refuse(path + ".additionalProperties", "only true or false is supported (only the declared properties are written).");
        }

        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            var name = required?.GetValue<string>();
            if (name is null || !properties.ContainsKey(name))
            {
                throw Refuse(path + ".required", $"required property '{name}' is not among the properties.");
            }
        }

        if (properties.Count == 0)
        {
            return schema["additionalProperties"] is JsonValue closed && !closed.GetValue<bool>() ? Rule("\"{\" ws \"}\"") : "object";
        }

        var members = properties.Select(p => JsonGrammar.Literal(JsonSerializer.Serialize(p.Key)) + " ws \":\" ws " + Visit(p.Value, $"{path}.properties.{p.Key}"));
        return Rule("\"{\" ws " + string.Join(" ws \",\" ws ", members) + " ws \"}\"");
    }

    private string ArrayRule(JsonObject schema, string path)
    {
        var item = schema["items"] is { } items ? Visit(items, path + ".items") : "value";
        var min = Count(schema, "minItems", path) ?? 0;
        var max = Count(schema, "maxItems", path);
        if (max < min)
        {
            throw Refuse(path + ".maxItems", "maxItems is below minItems.");
        }

        if (max == 0)
        {
            return Rule("\"[\" ws \"]\"");
        }

        var more = "( ws \",\" ws " + item + " )" + Repeat(Math.Max(0, min - 1), max - 1);
        var body = min == 0 ? $"( {item} {more} )?" : $"{item} {more}";
        return Rule("\"[\" ws " + body + " ws \"]\"");
    }

    private string StringRule(JsonObject schema, string path)
    {
        var min = Count(schema, "minLength", path) ?? 0;
        var max = Count(schema, "maxLength", path);
        if (max < min)
        {
            throw Refuse(path + ".maxLength", "maxLength is below minLength.");
        }

        return min == 0 && max is null ? "string" : Rule("\"\\\"\" char" + Repeat(min, max) + " \"\\\"\"");
    }

    // A local reference into the document; its rule is named before it is visited, so a schema may refer to itself.
    private string Reference(JsonNode reference, string path)
    {
        var target = reference.GetValueKind() == JsonValueKind.String ? reference.GetValue<string>() : "";
        if (_ruleByRef.TryGetValue(target, out var known))
        {
            return known;
        }

        var parts = target.Split('/');
        if (parts is not ["#", "$defs" or "definitions", var name] || _document[parts[1]]?[name] is not { } definition)
        {
            throw Refuse(path, $"only local references to #/$defs/NAME or #/definitions/NAME are supported, not '{target}'.");
        }

        var rule = "ref-" + _ruleByRef.Count;
        _ruleByRef[target] = rule;
        var body = Visit(definition, $"{_documentPath}.{parts[1]}.{name}"); // may add rules of its own: append after them
        _rules.Append(rule).Append(" ::= ").Append(body).Append('\n');
        return rule;
    }

    // One named rule per distinct body, so a grammar stays small when a shape repeats.
    private string Rule(string body)
    {
        if (!_ruleByBody.TryGetValue(body, out var name))
        {
            name = "r" + _ruleByBody.Count;
            _ruleByBody[body] = name;
            _rules.Append(name).Append(" ::= ").Append(body).Append('\n');
        }

        return name;
    }

    private static string Repeat(int min, int? max) => max is { } m ? $"{{{min},{m}}}" : $"{{{min},}}";

    private static int? Count(JsonObject schema, string keyword, string path) => schema[keyword] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var n) && n is >= 0 and <= 10_000 => n,
        _ => throw Refuse($"{path}.{keyword}", $"{keyword} must be an integer from 0 to 10000."),
    };

    private static string TypeName(JsonNode? type, string path) =>
        type is JsonValue v && v.TryGetValue<string>(out var name) ? name : throw Refuse(path, "type must be a string or a list of strings.");

    private static OpenAIError Refuse(string param, string reason) =>
        OpenAIError.BadRequest($"'{param}' is not supported: {reason}", param);
}
