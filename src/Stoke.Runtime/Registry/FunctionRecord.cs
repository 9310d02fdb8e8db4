using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Registry;

/// <summary>One function's versions as its registry holds them, with the ETag of the record they were read from.</summary>
internal sealed class FunctionRecord(string name)
{
    public string Name { get; } = name;

    /// <summary>The live versions, oldest first: replaced whole by a write that succeeded, never changed in place.</summary>
    public FunctionSpec[] Versions { get; set; } = [];

    public int LastVersion { get; set; }

    public string? ETag { get; set; }

    /// <summary>Why the record could not be read (corrupt, quarantined): every call about this function answers it.</summary>
    public StokeException? Unreadable { get; init; }

    public FunctionSpec? Latest => Versions.Length == 0 ? null : Versions[^1];

    public FunctionRecord Readable() => Unreadable is { } refusal ? throw refusal : this;
}
