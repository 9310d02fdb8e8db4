using Stoke.Abstractions.Functions;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Deployment;

// Storing a deploy's artifacts and collecting them after a delete. The rule: an artifact is kept while any function
// (of any tenant, any version) uses it, counted per function name in its IArtifactReferencesGrain. A deploy acquires
// its artifacts before it stores them and again after it registers; a delete releases them after it unregisters. A
// delete of the same name racing a deploy may collect the artifact between the two: the second acquire sees the
// collection count changed and stores the bytes again, so a registered version never lacks its artifact.
public sealed partial class FunctionDeployer
{
    /// <summary>The key a function is counted under as an artifact's user.</summary>
    public static string UserKey(string tenant, string name) => tenant + "/" + name;

    private async Task<FunctionSpec> StoreAndRegisterAsync(DeployRequest request, FunctionSpec draft, CancellationToken cancellationToken)
    {
        var user = UserKey(request.Tenant, request.Name);
        var stored = StoredArtifacts(request, draft);
        var before = await AcquireAsync(stored, user);
        FunctionSpec spec;
        try
        {
            await StoreAsync(stored, cancellationToken);
            spec = await grains.GetGrain<IFunctionRegistryGrain>(request.Tenant).Register(draft);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            try
            {
                await ReleaseUnusedAsync(request.Tenant, request.Name, stored);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The deploy's own failure is the answer; a use left recorded only delays a collection.
                Log.ReleaseFailed(logger, request.Name, ex.Message);
            }

            throw;
        }

        var after = await AcquireAsync(stored, user);
        if (!before.SequenceEqual(after))
        {
            await StoreAsync(stored, CancellationToken.None);
        }

        return spec;
    }

    private static List<(ArtifactRef Artifact, byte[] Bytes)> StoredArtifacts(DeployRequest request, FunctionSpec draft)
    {
        var stored = new List<(ArtifactRef, byte[])> { (draft.Artifact, request.Artifact) };
        if (draft.Tokenizer is { } tokenizer && request.Tokenizer is { } vocab)
        {
            stored.Add((tokenizer.Artifact, vocab));
        }

        return stored;
    }

    private async Task<long[]> AcquireAsync(List<(ArtifactRef Artifact, byte[] Bytes)> stored, string user) =>
        await Task.WhenAll(stored.Select(s => grains.GetGrain<IArtifactReferencesGrain>(s.Artifact.Sha256).Acquire(user)));

    // The repository copy first (a full disk fails the deploy before anything is registered), then this node's memory
    // tier (the first cold start here need not read it back) and the other nodes' repositories.
    private async Task StoreAsync(List<(ArtifactRef Artifact, byte[] Bytes)> stored, CancellationToken cancellationToken)
    {
        foreach (var (artifact, bytes) in stored)
        {
            await node.Repository.StoreAsync(artifact, bytes, cancellationToken);
            node.MemoryTier.Put(artifact.Sha256, bytes);
        }

        foreach (var (artifact, _) in stored)
        {
            await ReplicateAsync(artifact);
        }
    }

    // A failed deploy gives up its use of an artifact unless a registered version of the function still has it.
    private async Task ReleaseUnusedAsync(string tenant, string name, List<(ArtifactRef Artifact, byte[] Bytes)> stored)
    {
        var versions = await grains.GetGrain<IFunctionRegistryGrain>(tenant).Versions(name);
        foreach (var (artifact, _) in stored)
        {
            if (!versions.Any(v => Uses(v, artifact.Sha256)))
            {
                await grains.GetGrain<IArtifactReferencesGrain>(artifact.Sha256).Release(UserKey(tenant, name));
            }
        }
    }

    /// <summary>Deletes a function and all its versions, then collects the artifacts no other function uses.</summary>
    public async Task<FunctionSpec[]> DeleteAsync(string tenant, string name)
    {
        // Retired while still registered: a controller that never ran must find its spec to activate and retire.
        var registry = grains.GetGrain<IFunctionRegistryGrain>(tenant);
        foreach (var spec in await registry.Versions(name))
        {
            await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(tenant, name, spec.Version)).Retire();
        }

        var removed = await registry.Delete(name);

        var artifacts = removed.SelectMany(ArtifactsOf).Distinct(StringComparer.Ordinal);
        foreach (var sha in artifacts)
        {
            await grains.GetGrain<IArtifactReferencesGrain>(sha).Release(UserKey(tenant, name));
        }

        return removed;
    }

    private static IEnumerable<string> ArtifactsOf(FunctionSpec spec) =>
        spec.Tokenizer is { } tokenizer ? [spec.Artifact.Sha256, tokenizer.Artifact.Sha256] : [spec.Artifact.Sha256];

    private static bool Uses(FunctionSpec spec, string sha256) => ArtifactsOf(spec).Contains(sha256, StringComparer.Ordinal);
}
