using System.Text;
using System.Text.Json;

namespace Stoke.OpenInference;

/// <summary>Small reader helpers that turn every surprise into an <see cref="OipException"/> naming what was expected.</summary>
internal static class JsonTokens
{
    /// <summary>Moves to the next token; a complete-but-ended document here means the body stopped early.</summary>
    public static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw OipException.BadRequest("the request body ends unexpectedly (truncated JSON)");
        }
    }

    /// <summary>
    /// On a property name whose value is null, moves past it and returns true; otherwise leaves the reader on
    /// the name (the look-ahead runs on a copy).
    /// </summary>
    public static bool SkipNullMember(ref Utf8JsonReader reader)
    {
        var ahead = reader;
        Next(ref ahead);
        if (ahead.TokenType != JsonTokenType.Null)
        {
            return false;
        }

        reader = ahead;
        return true;
    }

    public static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type)
        {
            throw OipException.BadRequest($"{what} must be {Describe(type)}, got {Describe(ref reader)}");
        }
    }

    public static string ReadString(ref Utf8JsonReader reader, string what)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.String, what);
        return reader.GetString()!;
    }

    /// <summary>The current token in words for an error message, e.g. <c>number 1.5</c> or <c>an object</c>.</summary>
    public static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => "number " + Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.String => "string \"" + Encoding.UTF8.GetString(reader.ValueSpan) + "\"",
        _ => Describe(reader.TokenType),
    };

    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.EndArray => "the end of an array",
        JsonTokenType.EndObject => "the end of an object",
        _ => type.ToString(),
    };
}
