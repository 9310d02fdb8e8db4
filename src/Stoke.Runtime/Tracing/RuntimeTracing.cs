using System.Diagnostics;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Tracing;

/// <summary>
/// The node runtime's spans (ActivitySource <c>Stoke.Runtime</c>): a request through the invoker, the controller, the
/// node and its batch, and an instance's cold start with its phases. With no listener every <c>Start</c> returns null
/// and costs a flag check. Names and attributes are listed in docs/observability.md.
/// </summary>
public static class RuntimeTracing
{
    public const string SourceName = "Stoke.Runtime";

    public const string Invoke = "stoke.invoke";
    public const string Admit = "stoke.controller.admit";
    public const string NodeInvoke = "stoke.node.invoke";
    public const string Generate = "stoke.generate";
    public const string NodeGenerate = "stoke.node.generate";
    public const string Batch = "stoke.batch";
    public const string InstanceStart = "stoke.instance.start";
    public const string ArtifactFetch = "stoke.artifact.fetch";
    public const string SessionCreate = "stoke.session.create";
    public const string FirstRun = "stoke.session.first_run";

    // Attribute keys: the same keys as the metrics' tags where the concept is the same.
    public const string Tenant = "stoke.tenant";
    public const string Function = "stoke.function";
    public const string Version = "stoke.function.version";
    public const string Route = "stoke.route";
    public const string Attempts = "stoke.attempts";
    public const string InstanceId = "stoke.instance.id";
    public const string NodeId = "stoke.node.id";
    public const string Tier = "stoke.artifact.tier";
    public const string BatchId = "stoke.batch.id";
    public const string BatchSize = "stoke.batch.size";
    // A generation's counts and outcome, under OpenTelemetry's GenAI names.
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string FinishReason = "gen_ai.response.finish_reasons";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A span for one function version, or null when no one listens.</summary>
    public static Activity? Start(string name, FunctionSpec spec, ActivityKind kind = ActivityKind.Internal)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(name, kind);
        activity?.SetTag(Tenant, spec.Tenant).SetTag(Function, spec.Name).SetTag(Version, spec.Version);
        return activity;
    }

    /// <summary>Marks a span failed with the exception's type (OpenTelemetry's <c>error.type</c>) and message.</summary>
    public static void Fail(this Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
