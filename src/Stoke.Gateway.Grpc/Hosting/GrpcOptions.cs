using Stoke.Gateway.Hosting;

namespace Stoke.Gateway.Grpc.Hosting;

/// <summary>Settings of the Open Inference Protocol gRPC listener, bound from <c>Stoke:Gateway:Grpc</c>.</summary>
public sealed class GrpcOptions
{
    public const string Section = "Stoke:Gateway:Grpc";

    /// <summary>
    /// Address of the gRPC listener: cleartext HTTP/2 only, on its own port, because one cleartext Kestrel endpoint
    /// cannot speak both HTTP/1.1 and prior-knowledge HTTP/2. 8081 is KServe's gRPC port; port 0 picks a free one (tests).
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:8081";

    /// <summary>
    /// Most connections the gRPC listener holds at once; past it Kestrel closes each new one at once. Fewer than the
    /// REST gateway's: an HTTP/2 client multiplexes its calls over one connection. Taken from the node's open-file
    /// budget before the REST gateway's share (<see cref="ConnectionLimits"/>).
    /// </summary>
    public long MaxConnections { get; set; } = 1_000;
}
