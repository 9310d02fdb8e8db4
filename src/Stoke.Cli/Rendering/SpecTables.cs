using Spectre.Console;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Cli.Rendering;

/// <summary>Tables for a function's spec: its settings and its tensor signature.</summary>
public static class SpecTables
{
    public static Table Summary(FunctionSpec spec)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("setting").AddColumn("value");
        void Row(string key, string value) => table.AddRow(Markup.Escape(key), Markup.Escape(value));
        Row("function", spec.Name);
        Row("version", spec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row("tenant", spec.Tenant);
        Row("engine", spec.Engine);
        Row("artifact", $"{spec.Artifact.FileName} ({Fmt.Bytes(spec.Artifact.SizeBytes)}, sha256 {spec.Artifact.Sha256[..Math.Min(12, spec.Artifact.Sha256.Length)]})");
        Row("batching", $"{spec.Batching.Policy}, max batch {spec.Batching.MaxBatchSize}, max delay {Fmt.Span(spec.Batching.MaxQueueDelay)}" + (spec.Signature.SupportsBatching ? "" : " (model batch fixed: 1 per call)"));
        Row("scaling", $"{spec.Scaling.Autoscaler}, {spec.Scaling.MinInstances}..{spec.Scaling.MaxInstances} instances, target concurrency {Fmt.Num(spec.Scaling.TargetConcurrency)}");
        Row("keep-alive", $"{spec.Scaling.KeepAlive}, ttl {Fmt.Span(spec.Scaling.KeepAliveTtl)}");
        Row("queue", $"max {spec.Scaling.MaxQueuedRequests} held, default deadline {Fmt.Span(spec.Scaling.DefaultDeadline)}");
        if (spec.InstanceMemoryBytes > 0)
        {
            Row("memory", Fmt.Bytes(spec.InstanceMemoryBytes));
        }

        if (spec.Slo is { } slo)
        {
            Row("slo", Fmt.Span(slo));
        }

        if (spec.Labels.Count > 0)
        {
            Row("labels", string.Join(", ", spec.Labels.Select(kv => kv.Key + "=" + kv.Value)));
        }

        Row("created", spec.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return table;
    }

    public static Table Signature(ModelSignature signature)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("signature").AddColumn("").AddColumn("name").AddColumn("datatype").AddColumn("shape");
        foreach (var input in signature.Inputs)
        {
            table.AddRow("input", Markup.Escape(input.Name), input.DataType.ToWireName(), Markup.Escape(TensorShape.Format(input.Shape)));
        }

        foreach (var output in signature.Outputs)
        {
            table.AddRow("output", Markup.Escape(output.Name), output.DataType.ToWireName(), Markup.Escape(TensorShape.Format(output.Shape)));
        }

        return table;
    }
}
