namespace Stoke.Integration.Tests.Support;

/// <summary>
/// Tests that measure the whole process (allocated bytes, threads) and so must not share it with other tests running
/// at the same time: xunit runs this collection after the parallel ones, by itself.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone in the process";
}
