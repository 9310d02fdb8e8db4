using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Hosting;

namespace Stoke.Runtime.Grains;

// Not reentrant: a collection (the deletes on every node) finishes before the next acquire of the artifact runs.
// The header (state) says which user buckets may hold users; a bucket's bit is set before a user is written to it and
// cleared after it is emptied, so a node stopped between the two writes leaves a bit too many (fixed at the next
// activation), never a user the header does not point to.
internal sealed partial class ArtifactReferencesGrain(
    [PersistentState("artifact-references", StokeStorage.Name)] IPersistentState<ArtifactReferencesState> state,
    IGrainFactory grains,
    ClusterView cluster,
    IOptions<StokeNodeOptions> options,
    TimeProvider time,
    ILogger<ArtifactReferencesGrain> logger) : Grain, IArtifactReferencesGrain
{
    private ArtifactUserBuckets _users = null!;

    private string Sha256 => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _users = new ArtifactUserBuckets(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StokeStorage.Name), Sha256);
        var header = state.State;
        // The first layout kept every user in the header: mark their buckets, write them, then empty the header's set.
        var legacy = header.Functions.ToArray();
        var legacyBuckets = legacy.Aggregate(0UL, (mask, f) => mask | ArtifactUserBuckets.Bit(ArtifactUserBuckets.Of(f)));
        if (legacy.Length > 0)
        {
            await WriteHeaderAsync(header.Buckets | legacyBuckets);
        }

        var held = await _users.LoadAsync(header.Buckets);
        await _users.AddAllAsync(legacy.Where(f => !_users.Contains(f)));

        held |= legacyBuckets;
        if (held != header.Buckets || legacy.Length > 0)
        {
            header.Functions.Clear();
            await WriteHeaderAsync(held);
        }
    }

    public async Task<long> Acquire(string function)
    {
        if (_users.Contains(function))
        {
            return state.State.Collections;
        }

        var bit = ArtifactUserBuckets.Bit(ArtifactUserBuckets.Of(function));
        if ((state.State.Buckets & bit) == 0)
        {
            await WriteHeaderAsync(state.State.Buckets | bit);
        }

        await _users.AddAsync(function);
        return state.State.Collections;
    }

    public async Task<bool> Release(string function)
    {
        if (!_users.Contains(function))
        {
            return false;
        }

        if (!await _users.RemoveAsync(function))
        {
            return false;
        }

        var rest = state.State.Buckets & ~ArtifactUserBuckets.Bit(ArtifactUserBuckets.Of(function));
        if (rest != 0)
        {
            await WriteHeaderAsync(rest);
            return false;
        }

        await CollectAsync(function);
        state.State.Collections++;
        await WriteHeaderAsync(0);
        return true;
    }

    public Task<string[]> Users() => Task.FromResult(_users.Users.Order(StringComparer.Ordinal).ToArray());

    private async Task WriteHeaderAsync(ulong buckets)
    {
        state.State.Buckets = buckets;
        await state.WriteStateAsync();
    }

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
