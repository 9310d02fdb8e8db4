namespace Stoke.Cli.Parsing;

/// <summary>The gRPC listener's URL for <c>--grpc-port</c>: the host of <c>--url</c>, cleartext, on the given port.</summary>
public static class GrpcUrl
{
    public static string From(string restUrl, int port)
    {
        var start = restUrl.IndexOf("://", StringComparison.Ordinal);
        var rest = start < 0 ? restUrl : restUrl[(start + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var colon = authority.LastIndexOf(':');
        if (colon > authority.LastIndexOf(']'))
        {
            authority = authority[..colon];
        }

        return $"http://{authority}:{port}";
    }
}
