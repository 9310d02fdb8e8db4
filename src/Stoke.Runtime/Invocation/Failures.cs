using Orleans.Runtime;

namespace Stoke.Runtime.Invocation;

/// <summary>Which failures of a call to another node mean "that node cannot be reached" (retry elsewhere, mark it).</summary>
internal static class Failures
{
    // Orleans' transport exceptions, some of them internal types: matched by name, inner exceptions included.
    private static readonly HashSet<string> TransportTypes = new(StringComparer.Ordinal)
    {
        "ConnectionFailedException", "ConnectionAbortedException", "ConnectionResetException", "SocketConnectionException",
        "GatewayTooBusyException", "ClientNotAvailableException",
    };

    /// <summary>
    /// The call never reached a live node, or its node went away under it: the silo is unavailable or no longer
    /// active, the message was rejected, the connection failed, or no answer came in time.
    /// </summary>
    public static bool IsTransport(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or System.Net.Sockets.SocketException or Grains.NodeNotInClusterException
                || TransportTypes.Contains(e.GetType().Name))
            {
                return true;
            }
        }

        return false;
    }
}
