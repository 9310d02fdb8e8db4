using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stoke.Cli.Parsing;
using Stoke.Cli.Rendering;
using Stoke.Cli.Text;
using Stoke.Client;
using Stoke.Gateway.Management;
using Stoke.Samples;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke invoke</c>: one Open Inference Protocol request, with the usage the server reports for it.</summary>
public static class InvokeCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string>("NAME") { Description = "Function name." };
        var input = new Option<string?>("--input", "-i") { Description = "Infer request body (OIP v2 JSON), inline or @FILE.", HelpName = "JSON|@FILE" };
        var text = new Option<string[]>("--text", "-t") { Description = "Sentence for a text-embedding function; repeat for a batch.", HelpName = "TEXT", DefaultValueFactory = _ => [] };
        var sample = new Option<string>("--sample") { Description = "Sample whose vocabulary tokenises --text.", HelpName = "NAME", DefaultValueFactory = _ => "minilm" };
        sample.AcceptOnlyFromAmong("minilm", "arctic-xs");
        var version = OptionRules.Int("--version", "Version to call (default: latest).", 1);
        var timeout = OptionRules.Int("--timeout-ms", "Deadline for the request, ms (header Stoke-Timeout-Ms).", 1);
        var raw = new Option<bool>("--raw") { Description = "Print the whole response body instead of a summary." };

        var command = new Command("invoke", "Send one inference request and show the response and its usage headers.") { name, input, text, sample, version, timeout, raw };
        command.Validators.Add(r =>
        {
            var texts = r.GetValue(text) ?? [];
            if ((r.GetResult(input) is null) == (texts.Length == 0))
            {
                r.AddError("invoke needs exactly one of --input JSON|@FILE or --text \"sentence\".");
            }
        });

        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var function = result.GetValue(name)!;
            var body = result.GetValue(input) is { } given
                ? ReadInput(given)
                : await EncodeTextAsync(client, function, result.GetValue(version), result.GetValue(sample)!, result.GetValue(text)!, token);
            var timeoutMs = result.GetValue(timeout);
            var response = await client.InferAsync(function, body, result.GetValue(version), timeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, token);
            env.Console.Write(UsageHeaders(response));
            if (response.Status != HttpStatusCode.OK)
            {
                var message = TryError(response) ?? response.Text;
                var retry = response.Header("Retry-After") is { } after ? $" (retry after {after} s)" : "";
                return env.Fail($"{(int)response.Status} {response.Status}: {message}{retry}");
            }

            if (result.GetValue(raw))
            {
                env.Console.WriteLine(response.Text);
            }
            else
            {
                env.Console.Write(Outputs(response));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The body from inline JSON or <c>@FILE</c>, checked to be JSON so a typo fails here and not on the server.</summary>
    public static string ReadInput(string value)
    {
        var body = value;
        if (value.StartsWith('@'))
        {
            var path = value[1..];
            if (!File.Exists(path))
            {
                throw new CliException($"--input file not found: {Path.GetFullPath(path)}");
            }

            body = File.ReadAllText(path);
        }

        try
        {
            using var _ = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new CliException($"--input is not valid JSON: {ex.Message}");
        }

        return body;
    }

    private static async Task<string> EncodeTextAsync(StokeClient client, string function, int? version, string sample, string[] texts, CancellationToken ct)
    {
        var description = Api.Read<FunctionDescription>(await client.DescribeAsync(function, ct));
        var spec = version is { } v
            ? description.Versions.FirstOrDefault(s => s.Version == v) ?? throw new CliException($"Function '{function}' has no version {v}.")
            : description.Latest;
        SampleModel vocabulary;
        try
        {
            vocabulary = SampleModels.Get(sample);
        }
        catch (SampleModelNotFoundException ex)
        {
            throw new CliException(ex.Message);
        }

        try
        {
            return new TextRequests(vocabulary.VocabPath!, spec.Signature).Json(texts);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"'{function}' does not look like a text encoder: {ex.Message}");
        }
    }

    private static Table UsageHeaders(InferResponse response)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("header", "value");
        table.AddRow("status", $"{(int)response.Status} {response.Status}");
        foreach (var (key, value) in response.Headers.Where(h => h.Key.StartsWith("Stoke-", StringComparison.OrdinalIgnoreCase)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            table.AddRow(Markup.Escape(key), Markup.Escape(value));
        }

        return table;
    }

    private static Table Outputs(InferResponse response)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("output", "datatype", "shape", "data (first 8)");
        foreach (var output in response.Json?["outputs"]?.AsArray() ?? [])
        {
            var data = output?["data"]?.AsArray() ?? [];
            var head = string.Join(", ", data.Take(8).Select(d => d?.ToJsonString()));
            table.AddRow(
                Markup.Escape(output?["name"]?.ToString() ?? "?"),
                Markup.Escape(output?["datatype"]?.ToString() ?? "?"),
                Markup.Escape(output?["shape"]?.ToJsonString() ?? "?"),
                Markup.Escape(data.Count > 8 ? head + $", ... ({data.Count} values)" : head));
        }

        return table;
    }

    private static string? TryError(InferResponse response)
    {
        try
        {
            return JsonNode.Parse(response.Body)?["error"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
