using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Hosting;

namespace Stoke.Runtime.Grains;

// Not reentrant: a collection (the deletes on every node) finishes before the next acquire of the artifact runs.
internal sealed partial class ArtifactReferencesGrain(
    [PersistentState("artifact-references", StokeStorage.Name)] IPersistentState<ArtifactReferencesState> state,
    IGrainFactory grains,
    ClusterView cluster,
    IOptions<StokeNodeOptions> options,
    TimeProvider time,
    ILogger<ArtifactReferencesGrain> logger) : Grain, IArtifactReferencesGrain
{
    private string Sha256 => this.GetPrimaryKeyString();

    public async Task<long> Acquire(string function)
    {
        if (state.State.Functions.Add(function))
        {
            await state.WriteStateAsync();
        }

        return state.State.Collections;
    }

    public async Task<bool> Release(string function)
    {
        if (!state.State.Functions.Remove(function))
        {
            return false;
        }

        if (state.State.Functions.Count > 0)
        {
            await state.WriteStateAsync();
            return false;
        }

        await CollectAsync(function);
        state.State.Collections++;
        await state.WriteStateAsync();
        return true;
    }

    public Task<string[]> Users() => Task.FromResult(state.State.Functions.Order(StringComparer.Ordinal).ToArray());

    // A node that cannot be reached keeps its copies: its tiers are caches that evict it in time, its repository copy
    // is left for an operator (logged).
    private async Task CollectAsync(string lastUser)
    {
        var nodes = cluster.ReachableNodes();
        var results = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return await grains.GetGrain<INodeGrain>(node).ForgetArtifact(Sha256).WaitAsync(options.Value.PeerTimeout * 5, time);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.ForgetFailed(logger, Sha256, node, ex.Message);
                return false;
            }
        }));
        Log.Collected(logger, Sha256, lastUser, results.Count(deleted => deleted), nodes.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1250, Level = LogLevel.Information, Message = "Artifact {Sha256} collected: its last user {Function} was deleted; removed from {Deleted} of {Nodes} nodes' repositories")]
        public static partial void Collected(ILogger logger, string sha256, string function, int deleted, int nodes);

        [LoggerMessage(EventId = 1251, Level = LogLevel.Warning, Message = "Artifact {Sha256} could not be collected on node {Node}: {Reason}; it keeps its copy")]
        public static partial void ForgetFailed(ILogger logger, string sha256, string node, string reason);
    }
}
