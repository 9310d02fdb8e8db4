using Stoke.Abstractions.Errors;

namespace Stoke.Pipelines.Spec;

/// <summary>The 400 a bad pipeline spec gets: it names the step and the field.</summary>
public static class SpecError
{
    public static StokeException At(string? step, string field, string problem) => new(
        StokeErrorKind.BadRequest,
        step is null ? $"Pipeline spec, field '{field}': {problem}" : $"Pipeline spec, step '{step}', field '{field}': {problem}");
}
