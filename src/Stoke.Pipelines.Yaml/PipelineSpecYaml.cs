using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stoke.Pipelines.Spec;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Stoke.Pipelines.Yaml;

/// <summary>
/// Reads a pipeline spec written in YAML into its JSON form, so that <see cref="PipelineSpecJson"/> validates it as
/// it does a JSON spec (the same model, the same 400s naming the step and the field). What a YAML value becomes is
/// fixed here and not left to YAML's implicit typing (docs/pipelines.md, "YAML"): a quoted scalar is a string; a
/// plain one is a number only when it is a JSON number, a boolean only as <c>true</c>/<c>false</c>, null only as
/// <c>null</c>, <c>~</c> or nothing, and a string otherwise (so <c>no</c>, <c>on</c>, <c>0x1F</c> and <c>017</c> stay
/// strings, and <c>1e3</c> is the number 1000 as in JSON). Mapping keys are always strings.
/// </summary>
public static partial class PipelineSpecYaml
{
    /// <summary>The media types a YAML spec may be posted with.</summary>
    public static readonly string[] MediaTypes = ["application/yaml", "text/yaml", "application/x-yaml"];

    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>How deep collections may nest; a spec needs 5 levels, and the reader recurses once per level.</summary>
    private const int MaxDepth = 32;

    /// <summary>Whether a file's name says it holds YAML (<c>.yaml</c> or <c>.yml</c>).</summary>
    public static bool IsYamlFile(string path) =>
        Path.GetExtension(path) is var ext && (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a request's media type (its <c>Content-Type</c> without parameters) is one of <see cref="MediaTypes"/>.</summary>
    public static bool IsYamlMediaType(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        return mediaType is not null && MediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Reads and validates a YAML spec.</summary>
    public static PipelineSpec Parse(string yaml) => PipelineSpecJson.Parse(ToJson(yaml));

    /// <summary>The spec's JSON text; a YAML error is a 400 with its line and column.</summary>
    public static string ToJson(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var buffer = new ArrayBufferWriter<byte>();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                parser.Consume<StreamStart>();
                if (parser.Accept<StreamEnd>(out _))
                {
                    throw SpecError.At(null, "(document)", "the YAML document is empty");
                }

                parser.Consume<DocumentStart>();
                WriteNode(parser, writer, 0);
                parser.Consume<DocumentEnd>();
                if (!parser.Accept<StreamEnd>(out _))
                {
                    throw Refused(parser.Current!.Start, "holds more than one YAML document; a spec is one");
                }
            }
        }
        catch (YamlException ex)
        {
            throw Refused(ex.Start, Problem(ex));
        }
        catch (InvalidOperationException) when (parser.Current is { } last)
        {
            // YamlDotNet's scanner fails this way, without a position, on a flow collection the document ends inside.
            throw Refused(last.End, "not valid YAML: it cannot be read past this point (an unclosed bracket, brace or quote?)");
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNode(IParser parser, Utf8JsonWriter writer, int depth)
    {
        var current = parser.Current ?? throw Refused(Mark.Empty, "ends early");
        if (depth > MaxDepth)
        {
            throw Refused(current.Start, $"nests deeper than {MaxDepth} levels");
        }

        if (current is AnchorAlias alias)
        {
            // Aliases would let a small document expand without bound; a spec has no need of them.
            throw Refused(alias.Start, $"uses the alias *{alias.Value}: anchors and aliases are not supported in a pipeline spec");
        }

        if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            throw Refused(anchored.Start, $"uses the anchor &{anchored.Anchor}: anchors and aliases are not supported in a pipeline spec");
        }

        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                WriteScalar(scalar, writer);
                break;
            case SequenceStart:
                parser.MoveNext();
                writer.WriteStartArray();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    WriteNode(parser, writer, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case MappingStart:
                parser.MoveNext();
                WriteMapping(parser, writer, depth + 1);
                break;
            default:
                throw Refused(current.Start, $"has an unexpected {current.GetType().Name}");
        }
    }

    private static void WriteMapping(IParser parser, Utf8JsonWriter writer, int depth)
    {
        writer.WriteStartObject();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (parser.Current is not Scalar key || !key.Anchor.IsEmpty)
            {
                throw Refused(parser.Current!.Start, "has a mapping key that is not a plain name");
            }

            if (!keys.Add(key.Value))
            {
                throw Refused(key.Start, $"has the key '{key.Value}' twice in one mapping");
            }

            parser.MoveNext();
            writer.WritePropertyName(key.Value);
            WriteNode(parser, writer, depth);
        }

        writer.WriteEndObject();
    }

    private static void WriteScalar(Scalar scalar, Utf8JsonWriter writer)
    {
        var text = scalar.Value;
        if (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific)
        {
            if (scalar.Tag.Value != StringTag)
            {
                throw Refused(scalar.Start, $"tags the value '{text}' {scalar.Tag}: only !!str is supported (write numbers and booleans plainly)");
            }

            writer.WriteStringValue(text);
        }
        else if (scalar.Style != ScalarStyle.Plain)
        {
            writer.WriteStringValue(text);
        }
        else if (text is "" or "~" or "null")
        {
            writer.WriteNullValue();
        }
        else if (text is "true" or "false")
        {
            writer.WriteBooleanValue(text == "true");
        }
        else if (JsonNumber().IsMatch(text))
        {
            writer.WriteRawValue(text);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    private static string Problem(YamlException ex)
    {
        // YamlDotNet puts the position before its message: "(Line: 3, Col: 5, Idx: 20) - (...): problem".
        var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
        var end = message.IndexOf("): ", StringComparison.Ordinal);
        return "not valid YAML: " + (message.StartsWith('(') && end > 0 ? message[(end + 3)..] : message);
    }

    private static Stoke.Abstractions.Errors.StokeException Refused(Mark at, string problem) =>
        SpecError.At(null, "(document)", at.Line > 0 ? $"{problem} (line {at.Line}, column {at.Column})" : problem);

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
