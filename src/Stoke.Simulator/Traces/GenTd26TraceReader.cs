namespace Stoke.Simulator.Traces;

/// <summary>
/// Reads Alibaba GenTD26's <c>lora_request_trace.csv</c>: one request per row, each base model
/// (<c>checkpoint_model_version_id</c>) one function, <c>exec_time_seconds</c> its service time.
/// Rows with <c>predict_status</c> PENDING (9 in the published file, with no model and no execution) never ran
/// and are left out.
/// </summary>
public static class GenTd26TraceReader
{
    public const string RequestFile = "lora_request_trace.csv";
    public const string BaseModelLoadFile = "basemodel_update_latency_anon.csv";

    public static IEnumerable<TraceRequest> Read(string path, TraceReadOptions? options = null)
    {
        options ??= TraceReadOptions.Strict;
        path = Directory.Exists(path) ? System.IO.Path.Combine(path, RequestFile) : path;
        using var table = new CsvTable(path, options);
        var time = table.Require("gmt_create");
        var exec = table.Require("exec_time_seconds");
        var model = table.Require("checkpoint_model_version_id");
        var status = table.Optional("predict_status");
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = default(OrderCheck);
        while (table.Next())
        {
            if (status >= 0 && string.Equals(table.Fields[status], "PENDING", StringComparison.Ordinal))
            {
                continue;
            }

            if (!FieldParser.TryDate(table, time, out var arrival)
                || !FieldParser.TryDouble(table, exec, "exec_time_seconds", out var seconds)
                || !FieldParser.TryName(table, model, "checkpoint_model_version_id", names, out var function)
                || !order.Accept(table, arrival))
            {
                continue;
            }

            yield return new TraceRequest(arrival, function, TimeSpan.FromSeconds(seconds));
        }
    }

    /// <summary>Measured base-model load latencies (the file's <c>value</c> column, in ms) as a cold-start distribution.</summary>
    public static EmpiricalDistribution ReadLoadLatencies(string path, TraceReadOptions? options = null)
    {
        options ??= TraceReadOptions.Strict;
        path = Directory.Exists(path) ? System.IO.Path.Combine(path, BaseModelLoadFile) : path;
        using var table = new CsvTable(path, options);
        var value = table.Require("value");
        var samples = new List<double>();
        while (table.Next())
        {
            if (FieldParser.TryDouble(table, value, "value (ms)", out var ms))
            {
                samples.Add(ms / 1000.0);
            }
        }

        if (samples.Count == 0)
        {
            throw new TraceFormatException(path, table.LineNumber, "no load latencies in file");
        }

        return new EmpiricalDistribution(samples);
    }
}
