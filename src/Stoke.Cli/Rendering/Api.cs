using System.Text.Json;
using System.Text.Json.Nodes;
using Stoke.Gateway.Management;

namespace Stoke.Cli.Rendering;

/// <summary>Reads management API responses into the server's own contract types, with the server's JSON settings.</summary>
public static class Api
{
    public static T Read<T>(JsonNode node) =>
        node.Deserialize<T>(ApiJson.Options) ?? throw new CliException($"The server sent an empty {typeof(T).Name}.");
}
