using System.Text.Json.Nodes;
using Stoke.Abstractions.Errors;
using Stoke.Pipelines.Yaml;

namespace Stoke.Pipelines.Tests;

/// <summary>What a YAML spec's values become in its JSON form, and the YAML it refuses (docs/pipelines.md, "YAML").</summary>
public sealed class PipelineSpecYamlTests
{
    [Fact]
    public void PlainScalarsAreNumbersOnlyWhenTheyAreJsonNumbers()
    {
        var json = Convert("""
            a: 1e3
            b: 017
            c: 0x1F
            d: -2.5
            e: "3"
            f: +1
            g: .inf
            """);

        Assert.Equal(1000.0, json["a"]!.GetValue<double>());
        Assert.Equal("017", json["b"]!.GetValue<string>());
        Assert.Equal("0x1F", json["c"]!.GetValue<string>());
        Assert.Equal(-2.5, json["d"]!.GetValue<double>());
        Assert.Equal("3", json["e"]!.GetValue<string>());
        Assert.Equal("+1", json["f"]!.GetValue<string>());
        Assert.Equal(".inf", json["g"]!.GetValue<string>());
    }

    [Fact]
    public void YamlOneOneBooleansStayStringsAndKeysAreAlwaysNames()
    {
        var json = Convert("""
            on: detect.x
            yes: no
            t: true
            n: ~
            empty:
            s: !!str true
            """);

        Assert.Equal("detect.x", json["on"]!.GetValue<string>());
        Assert.Equal("no", json["yes"]!.GetValue<string>());
        Assert.True(json["t"]!.GetValue<bool>());
        Assert.True(json.AsObject().ContainsKey("n") && json["n"] is null);
        Assert.True(json.AsObject().ContainsKey("empty") && json["empty"] is null);
        Assert.Equal("true", json["s"]!.GetValue<string>());
    }

    [Fact]
    public void SyntaxErrorIsRefusedWithItsLineAndColumn()
    {
        var error = Refused("""
            inputs:
              - name: image
                datatype: [BYTES
            steps: []
            """);

        Assert.Contains("field '(document)': not valid YAML", error, StringComparison.Ordinal);
        // Column 15 follows the bracket that is never closed.
        Assert.EndsWith("(line 3, column 15)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BadIndentationNamesTheLineItIsOn()
    {
        var error = Refused("inputs:\n  - name: image\n   datatype: BYTES\n");

        Assert.Contains("not valid YAML: While parsing a block collection, did not find expected '-' indicator. (line 3, column 4)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyIsRefusedWhereItIs()
    {
        var error = Refused("inputs: []\nsteps: []\ninputs: []\n");

        Assert.Contains("has the key 'inputs' twice in one mapping (line 3, column 1)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnchorsAndAliasesAreRefused()
    {
        var error = Refused("a: &x [1, 2]\nb: *x\n");

        Assert.Contains("anchors and aliases are not supported", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TagsOtherThanStrAreRefused()
    {
        var error = Refused("a: !!int 3\n");

        Assert.Contains("only !!str is supported", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreThanOneDocumentIsRefused()
    {
        var error = Refused("a: 1\n---\nb: 2\n");

        Assert.Contains("holds more than one YAML document; a spec is one (line 2, column 1)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepNestingIsRefusedBeforeTheReaderRecursesFar()
    {
        var error = Refused("a: " + new string('[', 10_000) + new string(']', 10_000) + "\n");

        Assert.Contains("nests deeper than 32 levels", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyDocumentIsRefused()
    {
        Assert.Contains("the YAML document is empty", Refused("# only a comment\n"), StringComparison.Ordinal);
    }

    private static JsonNode Convert(string yaml) => JsonNode.Parse(PipelineSpecYaml.ToJson(yaml))!;

    private static string Refused(string yaml)
    {
        var error = Assert.Throws<StokeException>(() => PipelineSpecYaml.ToJson(yaml));
        Assert.Equal(StokeErrorKind.BadRequest, error.Kind);
        return error.Message;
    }
}
