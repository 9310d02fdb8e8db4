namespace Stoke.Abstractions.Errors;

/// <summary>Why a request or operation was refused; the gateway maps each to an HTTP status.</summary>
public enum StokeErrorKind
{
    /// <summary>400: the request itself is wrong.</summary>
    BadRequest,
    /// <summary>404: unknown function or version.</summary>
    NotFound,
    /// <summary>409: conflicts with the current state.</summary>
    Conflict,
    /// <summary>429: a quota or rate limit.</summary>
    TooManyRequests,
    /// <summary>503 + Retry-After: the platform cannot take it now.</summary>
    Overloaded,
    /// <summary>504: the deadline passed before it could be answered.</summary>
    DeadlineExceeded,
    /// <summary>500: a failure inside the platform or the engine.</summary>
    Internal,
    /// <summary>410: the thing named existed and has ended (an expired, closed or lost stream).</summary>
    Gone,
    /// <summary>403: the caller's role or its tenant's limits do not allow it.</summary>
    Forbidden,
    /// <summary>413: more bytes than a limit allows.</summary>
    PayloadTooLarge,
}

/// <summary>A refusal with a clear reason, carried across silos and turned into an HTTP error by the gateway.</summary>
[GenerateSerializer]
public sealed class StokeException : Exception
{
    public StokeException(StokeErrorKind kind, string message, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        RetryAfter = retryAfter;
    }

    /// <summary>A refusal caused by <paramref name="inner"/>, kept so that the log of a 500 shows where it came from.</summary>
    public StokeException(StokeErrorKind kind, string message, Exception inner)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>A refusal the client may retry after <paramref name="retryAfter"/>, caused by <paramref name="inner"/>.</summary>
    public StokeException(StokeErrorKind kind, string message, TimeSpan retryAfter, Exception inner)
        : base(message, inner)
    {
        Kind = kind;
        RetryAfter = retryAfter;
    }

    [Id(0)] public StokeErrorKind Kind { get; }

    [Id(1)] public TimeSpan? RetryAfter { get; }
}

/// <summary>The instance a request was routed to is gone (evicted, stopped, node restarted); retry on another.</summary>
[GenerateSerializer]
public sealed class InstanceGoneException : Exception
{
    public InstanceGoneException(string instanceId)
        : base($"Instance {instanceId} is gone.")
    {
        InstanceId = instanceId;
    }

    [Id(0)] public string InstanceId { get; }
}
