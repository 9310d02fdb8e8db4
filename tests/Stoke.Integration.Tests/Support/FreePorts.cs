using System.Net;
using System.Net.Sockets;

namespace Stoke.Integration.Tests.Support;

/// <summary>Loopback ports no one listens on, for silos that cannot bind port 0.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port free now and not handed out before in this test run: the system may offer a just-released port again,
    /// and two nodes started together (their HTTP and silo ports) must not both be given it.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
