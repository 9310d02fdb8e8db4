namespace Stoke.OpenInference;

/// <summary>Names the protocol fixes on the HTTP side: headers, content types and the extensions this codec speaks.</summary>
public static class OipProtocol
{
    /// <summary>Length of the JSON header when a body carries binary tensor data after it.</summary>
    public const string HeaderContentLengthHeader = "Inference-Header-Content-Length";

    /// <summary>Content type of a response (or request) that carries binary tensor data.</summary>
    public const string BinaryContentType = "application/octet-stream";

    public const string JsonContentType = "application/json";

    /// <summary>The binary tensor data extension's name, as listed in server metadata.</summary>
    public const string BinaryTensorDataExtension = "binary_tensor_data";
}
