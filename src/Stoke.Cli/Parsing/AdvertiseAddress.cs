using System.Net;
using System.Net.Sockets;

namespace Stoke.Cli.Parsing;

/// <summary>The address a cluster node advertises to the other silos: an IP address, or a host name resolved once at start.</summary>
public static class AdvertiseAddress
{
    /// <exception cref="CliException">The host name does not resolve to an address.</exception>
    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            throw new CliException($"--advertise {host}: cannot resolve the host name ({ex.Message}). Give an IP address of this machine that the other nodes can reach, or a name that resolves to one.");
        }

        // Orleans silos talk over one address family; prefer IPv4, as the other nodes' defaults do.
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new CliException($"--advertise {host}: the host name resolves to no address.");
    }
}
