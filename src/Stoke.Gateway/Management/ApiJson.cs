using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stoke.Gateway.Management;

/// <summary>JSON settings of the management API: camelCase, enums as strings.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
