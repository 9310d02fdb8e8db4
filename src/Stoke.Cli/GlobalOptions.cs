using System.CommandLine;
using Stoke.Client;

namespace Stoke.Cli;

/// <summary>Options every command takes: where the server is and the API key to present.</summary>
public sealed class GlobalOptions
{
    public const string DefaultServer = "http://127.0.0.1:8080";

    public Option<Uri> Server { get; } = new("--server")
    {
        Description = "Stoke server URL (env STOKE_SERVER).",
        Recursive = true,
        HelpName = "URL",
        DefaultValueFactory = r => ParseServer(Environment.GetEnvironmentVariable("STOKE_SERVER") ?? DefaultServer, out _)
            ?? new Uri(DefaultServer),
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : DefaultServer;
            var uri = ParseServer(text, out var problem);
            if (uri is null)
            {
                r.AddError(problem!);
            }

            return uri;
        },
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "API key sent as 'Authorization: Bearer KEY' (env STOKE_API_KEY).",
        Recursive = true,
        HelpName = "KEY",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("STOKE_API_KEY"),
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
    }

    public Uri ServerOf(ParseResult result) => result.GetValue(Server) ?? new Uri(DefaultServer);

    public StokeClient CreateClient(ParseResult result) => new(ServerOf(result), result.GetValue(ApiKey));

    /// <summary>An absolute http(s) URL, or null with the reason.</summary>
    public static Uri? ParseServer(string text, out string? problem)
    {
        problem = null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        problem = $"--server must be an absolute http(s) URL such as {DefaultServer}; got '{text}'.";
        return null;
    }
}
