using System.Net;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>A stream held on another node: its chunks go there from any gateway, and the stream ends when that node dies.</summary>
public sealed class StreamClusterTests
{
    [Fact]
    public async Task StreamOnAnotherNodeServesThroughAnyGatewayAndEndsNamingTheNodeWhenItDies()
    {
        // Each silo of this cluster keeps its state in its own folder (no shared store): if the tenant's registry was
        // activated on the silo that dies, it comes back on the other one without the function, and the chunk would be a
        // 404 for an unknown model instead of the stream's 410. A spec cached past the kill keeps this test on the stream.
        await using var cluster = await PeerCluster.StartAsync(gateway: g => g.DirectoryTtl = TimeSpan.FromMinutes(5));
        var a = cluster.Client(0);
        await a.DeployAsync("vad-remote", VadModel.Model, [.. VadModel.Settings(), .. PeerCluster.On(1)]);
        var opened = await a.OpenStreamAsync("vad-remote");
        var id = opened["id"]!.GetValue<string>();
        var holder = opened["node"]!.GetValue<string>();
        var chunks = VadModel.SpeechChunks();
        var nodeB = cluster.Node(1).NodeId;

        var throughA = await a.SendChunkAsync("vad-remote", id, chunks[0]);
        var throughB = await cluster.Client(1).SendChunkAsync("vad-remote", id, chunks[1]);
        await cluster.KillAsync(1);
        var afterDeath = await a.SendChunkAsync("vad-remote", id, chunks[2]);

        Assert.Equal(nodeB, holder);
        Assert.Equal(HttpStatusCode.OK, throughA.Status);
        Assert.Equal(holder, throughA.Header("Stoke-Node"));
        Assert.Equal("2", throughB.Header(Stoke.Gateway.Streams.StreamEndpoints.ChunkHeader));
        Assert.Equal(HttpStatusCode.Gone, afterDeath.Status);
        Assert.Contains($"node {holder}", afterDeath.Text, StringComparison.Ordinal);
    }
}
