using System.Net;
using System.Net.Sockets;

namespace Stoke.Integration.Tests.Support;

/// <summary>Loopback ports no one listens on, for silos that cannot bind port 0.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
