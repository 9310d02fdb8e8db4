using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Abstractions.Errors;
using Stoke.Durability;
using Stoke.Runtime.Durability;

namespace Stoke.Runtime.Storage;

/// <summary>
/// Grain state as JSON files in a folder: the embedded default's persistence, so deployed functions survive a
/// restart without an external database. Each write is durable (<see cref="DurableFile"/>: temp file, fsync, rename,
/// folder fsync); the ETag is a version counter stored with the state, so a stale writer fails instead of overwriting.
/// A file that cannot be read is quarantined (<see cref="CorruptStateQuarantine"/>); a full disk is a 503 that leaves
/// the old file as it was.
/// </summary>
public sealed partial class FileGrainStorage : IGrainStorage
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    // Enough for the envelope's opening and its version in any indentation.
    private const int VersionHeadBytes = 128;
    private const string VersionProperty = "Version";

    private readonly string _directory;
    private readonly CorruptStateQuarantine _quarantine;
    private readonly Func<Stream, Stream>? _faults;

    /// <param name="directory">The folder of the state files.</param>
    /// <param name="restartableStates">State names that may start empty when their file is corrupt (derived data);
    /// any other corrupt state refuses its grain with a clear error until an operator restores or deletes it.</param>
    /// <param name="faults">Wraps each written file's stream: a fault injector for tests, null in production.</param>
    public FileGrainStorage(
        string directory, TimeProvider time, ILogger? logger = null, IReadOnlySet<string>? restartableStates = null, Func<Stream, Stream>? faults = null)
    {
        _directory = directory;
        _quarantine = new CorruptStateQuarantine(time, logger ?? NullLogger.Instance, restartableStates ?? new HashSet<string>());
        _faults = faults;
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        Envelope<T>? envelope = null;
        if (File.Exists(path))
        {
            try
            {
                envelope = await ReadEnvelopeAsync<T>(path);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
            {
                _quarantine.Quarantine(stateName, grainId, path, ex.Message);
            }
        }
        else
        {
            _quarantine.ThrowIfQuarantined(stateName, grainId, path);
        }

        if (envelope is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }

        grainState.State = envelope.State;
        grainState.ETag = envelope.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        var current = await CurrentVersionAsync(path);
        CheckETag(grainState.ETag, current, path);
        var next = current + 1;
        try
        {
            await DurableFile.WriteAsync(
                path,
                (stream, ct) => new ValueTask(JsonSerializer.SerializeAsync(stream, new Envelope<T>(next, grainState.State!), Json, ct)),
                CancellationToken.None,
                wrap: _faults);
        }
        catch (IOException ex) when (DurableFile.IsDiskFull(ex))
        {
            throw new StokeException(
                StokeErrorKind.Overloaded, $"The state folder {_directory} is full: {stateName} of {grainId} was not saved (the previous state is kept). Free space and retry.",
                DiskFull.RetryAfter);
        }

        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(grainState.ETag, await CurrentVersionAsync(path), path);
        if (File.Exists(path))
        {
            File.Delete(path);
            DurableFile.FlushDirectory(Path.GetDirectoryName(path)!);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private static async Task<Envelope<T>> ReadEnvelopeAsync<T>(string path)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<Envelope<T>>(stream, Json) ?? throw new InvalidDataException("the file holds null");
    }

    private static void CheckETag(string? etag, long current, string path)
    {
        var expected = etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
        if (expected != current)
        {
            throw new InconsistentStateException($"State in {path} changed (version {current}, expected {expected}).", etag, current.ToString(CultureInfo.InvariantCulture));
        }
    }

    // The version is the envelope's first property: read from the file's head, not by parsing the whole state (a
    // shared artifact's users or a big tenant's index are hundreds of KB, written at every deploy). A file whose head
    // is unreadable counts as version 0: the write then replaces it only when the writer started from empty state,
    // which is what a quarantined read gave it.
    private static async Task<long> CurrentVersionAsync(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        var head = new byte[VersionHeadBytes];
        int length;
        await using (var stream = File.OpenRead(path))
        {
            length = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false);
        }

        return VersionIn(head.AsSpan(0, length));
    }

    private static long VersionIn(ReadOnlySpan<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(VersionProperty)
                && reader.Read() && reader.TryGetInt64(out var version)
                ? version
                : 0;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return 0;
        }
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        var key = grainId.ToString();
        var safe = string.Concat(key.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(_directory, stateName, $"{safe}-{hash}.json");
    }

    private sealed record Envelope<T>(long Version, T State);
}
