using System.Text;

namespace Stoke.Gateway.OpenAI.Structured;

/// <summary>
/// The GBNF (llama.cpp grammar) rules every JSON grammar shares, and literal escaping. Whitespace is at most one space
/// and numbers have at most 16 digits, so a small model cannot wander off in padding or an endless number.
/// </summary>
internal static class JsonGrammar
{
    public const string Primitives = """
        ws ::= | " "
        char ::= [^"\\\x00-\x1f] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])
        string ::= "\"" char* "\""
        integer ::= "-"? ("0" | [1-9] [0-9]{0,15})
        number ::= integer ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?
        boolean ::= "true" | "false"
        null ::= "null"
        value ::= object | array | string | number | boolean | null
        object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"
        array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
        """;

    /// <summary>Any JSON object (<c>response_format: {"type": "json_object"}</c>).</summary>
    public static string AnyObject => "root ::= object\n" + Primitives + "\n";

    /// <summary>A GBNF string literal that matches exactly <paramref name="text"/>.</summary>
    public static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }
}
