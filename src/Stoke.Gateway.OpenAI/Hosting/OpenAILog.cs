using Microsoft.Extensions.Logging;

namespace Stoke.Gateway.OpenAI.Hosting;

/// <summary>Log lines of the OpenAI API (event ids 3100-3199).</summary>
internal static partial class OpenAILog
{
    public const string Category = "Stoke.Gateway.OpenAI";

    /// <summary>OpenAI's <c>user</c> / <c>safety_identifier</c>: an operator traces abuse to an end user by it.</summary>
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "OpenAI request {RequestId} on {Model} for end user {EndUser}")]
    public static partial void EndUser(ILogger logger, string requestId, string model, string endUser);
}
