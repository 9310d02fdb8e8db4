using System.Globalization;
using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Execution;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.OpenInference;

/// <summary>
/// The one infer call of both OIP transports (REST and gRPC) once a request is parsed and validated: a pipeline goes to
/// <see cref="PipelineInvoker"/> (its steps metered each and the whole), a model function to <see cref="IFunctionInvoker"/>.
/// A pipeline's per-step timing goes out as response headers, which gRPC sends as response metadata.
/// </summary>
public sealed class OipInference(IFunctionInvoker functions, PipelineInvoker pipelines)
{
    /// <summary>Per step of the request: <c>step=ms</c>, in order, separated by <c>;</c>.</summary>
    public const string StepsHeader = "Stoke-Pipeline-Steps";

    /// <summary>Per function step: the batch size of each of its calls, <c>step=8,8,8</c>.</summary>
    public const string BatchSizesHeader = "Stoke-Pipeline-Batch-Sizes";

    /// <summary>The function steps this request found cold and pre-warmed.</summary>
    public const string PrewarmedHeader = "Stoke-Pipeline-Prewarmed";

    /// <summary>The instance id a pipeline's answer names: it has no instance of its own.</summary>
    public const string PipelineInstance = "pipeline";

    public async Task<InferenceOutcome> InvokeAsync(
        HttpContext context, FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        if (spec.Engine != FunctionSpec.PipelineEngine)
        {
            return await functions.InvokeAsync(spec, request, options, cancellationToken);
        }

        var outcome = await pipelines.InvokeAsync(spec, request, options, cancellationToken);
        var headers = context.Response.Headers;
        headers[StepsHeader] = string.Join(";", outcome.Steps.Select(s => s.Step + "=" + s.Ms.ToString("F2", CultureInfo.InvariantCulture)));
        headers[BatchSizesHeader] = string.Join(";", outcome.Steps.Where(s => s.BatchSizes.Length > 0).Select(s => s.Step + "=" + string.Join(",", s.BatchSizes)));
        headers[PrewarmedHeader] = string.Join(",", outcome.Prewarmed);
        return new InferenceOutcome(outcome.Outputs, outcome.Usage, PipelineInstance);
    }
}
