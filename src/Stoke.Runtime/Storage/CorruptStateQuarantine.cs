using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Stoke.Abstractions.Errors;
using Stoke.Durability;

namespace Stoke.Runtime.Storage;

/// <summary>
/// What <see cref="FileGrainStorage"/> does with a state file it cannot read: the file is moved aside to
/// <c>&lt;name&gt;.corrupt-&lt;UTC time&gt;</c> (kept for an operator, never deleted) and logged with its path. A state
/// that is derived data (a function's usage meter) then starts empty with that error in the log; any other (a tenant's
/// function registry) refuses its grain with an error naming the quarantined file for as long as that file is there,
/// so a corrupt registry is never silently read as "no functions". Other grains' files are untouched, so every other
/// tenant keeps being served.
/// </summary>
internal sealed partial class CorruptStateQuarantine(TimeProvider time, ILogger logger, IReadOnlySet<string> restartableStates)
{
    public const string Marker = ".corrupt-";

    /// <summary>Moves the unreadable file aside; throws unless <paramref name="stateName"/> may start empty.</summary>
    public void Quarantine(string stateName, GrainId grainId, string path, string reason)
    {
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var aside = path + Marker + stamp;
        File.Move(path, aside, overwrite: true);
        DurableFile.FlushDirectory(Path.GetDirectoryName(path)!);
        if (restartableStates.Contains(stateName))
        {
            Log.RestartedEmpty(logger, stateName, grainId.ToString(), path, aside, reason);
            return;
        }

        Log.Refused(logger, stateName, grainId.ToString(), path, aside, reason);
        throw Refusal(stateName, grainId, aside, reason);
    }

    /// <summary>Refuses a grain whose state was quarantined and not yet restored or deleted by an operator.</summary>
    public void ThrowIfQuarantined(string stateName, GrainId grainId, string path)
    {
        if (restartableStates.Contains(stateName) || Path.GetDirectoryName(path) is not { } folder || !Directory.Exists(folder))
        {
            return;
        }

        var aside = Directory.EnumerateFiles(folder, Path.GetFileName(path) + Marker + "*").Order(StringComparer.Ordinal).LastOrDefault();
        if (aside is not null)
        {
            throw Refusal(stateName, grainId, aside, "it was quarantined earlier");
        }
    }

    private static StokeException Refusal(string stateName, GrainId grainId, string aside, string reason) => new(
        StokeErrorKind.Internal,
        $"The {stateName} state of {grainId} is corrupt ({reason}) and was moved to {aside}. Restore a good copy to its old name, " +
        "or delete the quarantined file to start this state empty; until then it is not served.");

    private static partial class Log
    {
        [LoggerMessage(EventId = 1240, Level = LogLevel.Error, Message = "State file {Path} ({StateName} of {Grain}) is corrupt: {Reason}. Moved to {Quarantined}; this state starts empty")]
        public static partial void RestartedEmpty(ILogger logger, string stateName, string grain, string path, string quarantined, string reason);

        [LoggerMessage(EventId = 1241, Level = LogLevel.Error, Message = "State file {Path} ({StateName} of {Grain}) is corrupt: {Reason}. Moved to {Quarantined}; the grain is refused until it is restored or deleted")]
        public static partial void Refused(ILogger logger, string stateName, string grain, string path, string quarantined, string reason);
    }
}
