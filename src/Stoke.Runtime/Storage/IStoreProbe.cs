namespace Stoke.Runtime.Storage;

/// <summary>A cheap round trip to the node's state store (Redis PING, PostgreSQL <c>SELECT 1</c>); throws when it fails.</summary>
public interface IStoreProbe
{
    /// <summary>"files", "redis" or "postgres".</summary>
    string Backend { get; }

    Task PingAsync(CancellationToken cancellationToken);
}

/// <summary>The embedded default's store: grain state in a folder, which is there as long as the disk is.</summary>
public sealed class FolderStoreProbe(string directory) : IStoreProbe
{
    public string Backend => "files";

    public Task PingAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        return Task.CompletedTask;
    }
}
