namespace Stoke.OpenInference;

/// <summary>
/// A request the protocol layer refuses, with the HTTP status to answer it with; the gateway writes the
/// message as the spec's error object (<see cref="OipMetadataWriter.WriteError"/>).
/// </summary>
public sealed class OipException : Exception
{
    public OipException(int statusCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
    }

    /// <summary>HTTP status: 400 for a bad request, 500 for results the server cannot encode.</summary>
    public int StatusCode { get; }

    public static OipException BadRequest(string message, Exception? inner = null) => new(400, message, inner);

    internal static OipException Internal(string message) => new(500, message);
}
