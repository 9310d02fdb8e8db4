using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.Cli.Commands;

/// <summary>
/// <c>stoke verify</c>: checks a response's receipt, or a whole chain from <c>GET /api/receipts</c>, against a node's
/// public key. Exit 0: it holds; 3: it does not (altered, dropped, reordered, or the bodies differ); 1 or 2: bad use
/// or unreadable input.
/// </summary>
public static class VerifyCommand
{
    /// <summary>The exit code of a receipt or chain that does not verify.</summary>
    public const int NotVerified = 3;

    public static Command Create(CliEnvironment env)
    {
        var receipt = new Option<string?>("--receipt") { Description = "A Stoke-Receipt header value.", HelpName = "RECEIPT" };
        var chain = new Option<string?>("--chain") { Description = "A file saved from GET /api/receipts, or its URL (every page is fetched, with --api-key).", HelpName = "FILE|URL" };
        var key = new Option<string>("--key") { Description = "The node's public key (GET /api/receipts/key), base64url.", HelpName = "KEY", Required = true };
        var request = new Option<FileInfo?>("--request") { Description = "The request body as sent: checked against the receipt.", HelpName = "FILE" };
        var response = new Option<FileInfo?>("--response") { Description = "The response body as received: checked against the receipt.", HelpName = "FILE" };
        var command = new Command("verify", "Check a receipt or a chain of receipts against a node's public key.") { receipt, chain, key, request, response };
        command.SetAction((result, ct) => env.GuardAsync(null, ct, async token =>
        {
            var publicKey = ParseKey(result.GetValue(key)!);
            return (result.GetValue(receipt), result.GetValue(chain)) switch
            {
                ({ } one, null) => One(env, one, publicKey, result.GetValue(request), result.GetValue(response)),
                (null, { } source) => Chain(env, await ReceiptSource.ReadAsync(source, result.GetValue(env.Global.ApiKey), token), publicKey),
                _ => throw new CliException("Give either --receipt or --chain."),
            };
        }));
        return command;
    }

    private static ReceiptPublicKey ParseKey(string text)
    {
        try
        {
            return ReceiptPublicKey.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"--key: {e.Message}", exitCode: 2);
        }
    }

    private static int One(CliEnvironment env, string receipt, ReceiptPublicKey key, FileInfo? request, FileInfo? response)
    {
        if ((request is null) != (response is null))
        {
            throw new CliException("Give both --request and --response, or neither.");
        }

        var check = request is null
            ? ReceiptVerifier.Verify(receipt, key)
            : ReceiptVerifier.Verify(receipt, key, Read(request), Read(response!), checkBodies: true);
        if (!check.Valid)
        {
            return env.Fail(check.Problem!, NotVerified);
        }

        var r = check.Receipt!.Receipt;
        var bodies = request is null ? "" : "; the request and response bodies match";
        env.Console.MarkupLine(Markup.Escape($"ok: receipt {r.Sequence} of tenant '{r.Tenant}' ({r.Function} v{r.FunctionVersion}, node {r.Node}, {r.IssuedAt:u}) is signed by this key{bodies}."));
        return 0;
    }

    private static int Chain(CliEnvironment env, IReadOnlyList<string> receipts, ReceiptPublicKey key)
    {
        var check = ChainVerifier.Verify(receipts, key);
        if (!check.Valid)
        {
            return env.Fail(check.Problem!, NotVerified);
        }

        env.Console.MarkupLine(Markup.Escape($"ok: {check.Checked} receipts, each signed by this key and linked to the one before."));
        return 0;
    }

    private static byte[] Read(FileInfo file) =>
        file.Exists ? File.ReadAllBytes(file.FullName) : throw new CliException($"File {file.FullName} does not exist.", exitCode: 2);
}

/// <summary>Reads the receipts of a chain from a saved <c>GET /api/receipts</c> answer or from the endpoint itself.</summary>
internal static class ReceiptSource
{
    public static async Task<List<string>> ReadAsync(string source, string? apiKey, CancellationToken ct)
    {
        if (!Uri.TryCreate(source, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return File.Exists(source)
                ? Items(Parse(await File.ReadAllTextAsync(source, ct), source), out _)
                : throw new CliException($"--chain: {source} is neither a file nor an http(s) URL.", exitCode: 2);
        }

        using var http = new HttpClient();
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        var all = new List<string>();
        for (long? after = null; ;)
        {
            var page = new UriBuilder(url) { Query = after is null ? url.Query.TrimStart('?') : $"after={after}&limit={Gateway.Receipts.ReceiptEndpoints.MaxPage}" }.Uri;
            using var response = await http.GetAsync(page, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"GET {page} answered {(int)response.StatusCode}: {text}");
            }

            all.AddRange(Items(Parse(text, page.ToString()), out var next));
            if (next is null)
            {
                return all;
            }

            after = next;
        }
    }

    private static JsonNode Parse(string text, string source)
    {
        try
        {
            return JsonNode.Parse(text) ?? throw new CliException($"--chain: {source} is empty.", exitCode: 2);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"--chain: {source} is not JSON: {e.Message}", exitCode: 2);
        }
    }

    private static List<string> Items(JsonNode answer, out long? next)
    {
        next = answer["next"]?.GetValue<long>();
        return answer["receipts"] is JsonArray items
            ? [.. items.Select(i => i?["receipt"]?.GetValue<string>() ?? throw new CliException("--chain: an item has no 'receipt'.", exitCode: 2))]
            : throw new CliException("--chain: the JSON has no 'receipts' array (save it from GET /api/receipts).", exitCode: 2);
    }
}
