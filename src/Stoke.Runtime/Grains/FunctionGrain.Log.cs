using Microsoft.Extensions.Logging;

namespace Stoke.Runtime.Grains;

// The controller grain's structured log lines.
internal sealed partial class FunctionGrain
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "{Function} v{Version} {Kind}: {Detail}")]
        public static partial void Decision(ILogger logger, string function, int version, string kind, string detail);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Instance {InstanceId} failed to start: {Reason}")]
        public static partial void StartFailed(ILogger logger, string instanceId, string reason, Exception exception);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Stopping instance {InstanceId} failed: {Reason}")]
        public static partial void StopFailed(ILogger logger, string instanceId, string reason);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Could not look for existing instances of {Function} on {Node}: {Reason}")]
        public static partial void AdoptFailed(ILogger logger, string function, string node, string reason);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Usage of {Function} v{Version} could not be written ({Reason}); the nodes keep it until a write succeeds")]
        public static partial void UsageWriteFailed(ILogger logger, string function, int version, string reason);

        [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "{Function} v{Version} was deleted with {Batches} usage batches its tenant's ledger could not take; they stay in its metering state")]
        public static partial void UsageKeptAtDelete(ILogger logger, string function, int version, int batches);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Publishing the routes of {Function} to {Node} failed: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string function, string node, string reason);
    }
}
