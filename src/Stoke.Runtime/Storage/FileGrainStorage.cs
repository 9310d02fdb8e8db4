using System.Text.Json;
using Orleans.Runtime;
using Orleans.Storage;

namespace Stoke.Runtime.Storage;

/// <summary>
/// Grain state as JSON files in a folder: the embedded default's persistence, so deployed functions survive a
/// restart without an external database. Writes go to a temp file and are renamed into place; the ETag is a
/// version counter stored with the state, so a stale writer fails instead of overwriting.
/// </summary>
public sealed class FileGrainStorage(string directory) : IGrainStorage
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        await using var stream = File.OpenRead(path);
        var envelope = await JsonSerializer.DeserializeAsync<Envelope<T>>(stream, Json)
            ?? throw new InvalidDataException($"Grain state file {path} is empty.");
        grainState.State = envelope.State;
        grainState.ETag = envelope.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var current = await CurrentVersionAsync<T>(path);
        CheckETag(grainState.ETag, current, path);
        var next = current + 1;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, new Envelope<T>(next, grainState.State!), Json);
        }

        File.Move(temp, path, overwrite: true);
        grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(grainState.ETag, await CurrentVersionAsync<T>(path), path);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private static void CheckETag(string? etag, long current, string path)
    {
        var expected = etag is null ? 0 : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);
        if (expected != current)
        {
            throw new InconsistentStateException($"State in {path} changed (version {current}, expected {expected}).", etag, current.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static async Task<long> CurrentVersionAsync<T>(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        await using var stream = File.OpenRead(path);
        using var doc = await JsonDocument.ParseAsync(stream);
        return doc.RootElement.GetProperty(nameof(Envelope<T>.Version)).GetInt64();
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        var key = grainId.ToString();
        var safe = string.Concat(key.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(directory, stateName, $"{safe}-{hash}.json");
    }

    private sealed record Envelope<T>(long Version, T State);
}
