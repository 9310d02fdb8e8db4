using System.Text.Json.Nodes;

namespace Stoke.Gateway.OpenAI.Protocol;

/// <summary>
/// The strict field policy of one request shape: every field is known, and each one either works or is refused with a
/// 400 naming it. A field OpenAI defines that Stoke cannot honour is still accepted with the value Stoke honours anyway
/// (<c>store: false</c>, <c>modalities: ["text"]</c>), so SDKs that send defaults keep working. A JSON <c>null</c> is
/// the field left out, as OpenAI reads it.
/// </summary>
internal sealed class FieldRules
{
    private readonly Dictionary<string, Func<JsonNode, string?>> _rules = new(StringComparer.Ordinal);

    /// <summary>A field that works; its value is validated where it is read.</summary>
    public FieldRules Supported(params string[] names)
    {
        foreach (var name in names)
        {
            _rules[name] = static _ => null;
        }

        return this;
    }

    /// <summary>A field that is refused whatever its value, with the reason.</summary>
    public FieldRules Refused(string name, string reason)
    {
        _rules[name] = _ => reason;
        return this;
    }

    /// <summary>A field accepted only when <paramref name="honoured"/> says its value is what Stoke does anyway.</summary>
    public FieldRules OnlyWhen(string name, Func<JsonNode, bool> honoured, string reason)
    {
        _rules[name] = value => honoured(value) ? null : reason;
        return this;
    }

    /// <summary>Throws the 400 for the first unknown or refused field of <paramref name="body"/>; <paramref name="path"/> prefixes the param.</summary>
    public void Check(JsonObject body, string path = "")
    {
        foreach (var (name, value) in body)
        {
            if (value is null)
            {
                continue;
            }

            var param = path + name;
            if (!_rules.TryGetValue(name, out var rule))
            {
                throw OpenAIError.BadRequest($"Unrecognized request argument supplied: {param}", param);
            }

            if (rule(value) is { } reason)
            {
                throw OpenAIError.BadRequest($"'{param}' is not supported: {reason}", param);
            }
        }
    }

    /// <summary>True for a JSON boolean equal to <paramref name="expected"/>.</summary>
    public static bool IsBool(JsonNode value, bool expected) => value is JsonValue v && v.TryGetValue<bool>(out var b) && b == expected;

    /// <summary>True for a JSON string equal to one of <paramref name="allowed"/>.</summary>
    public static bool IsString(JsonNode value, params string[] allowed) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) && allowed.Contains(s, StringComparer.Ordinal);
}
