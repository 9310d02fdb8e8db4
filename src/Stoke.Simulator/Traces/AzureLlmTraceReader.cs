namespace Stoke.Simulator.Traces;

/// <summary>
/// Reads the Azure LLM inference trace 2023 (<c>TIMESTAMP, ContextTokens, GeneratedTokens</c>): one service,
/// so every row calls the same function; service time comes from the token counts.
/// </summary>
public static class AzureLlmTraceReader
{
    public static IEnumerable<TraceRequest> Read(string path, string function = "azure-llm", LlmTiming? timing = null, TraceReadOptions? options = null)
    {
        options ??= TraceReadOptions.Strict;
        timing ??= new LlmTiming();
        using var table = new CsvTable(path, options);
        var time = table.Require("TIMESTAMP");
        var context = table.Require("ContextTokens");
        var generated = table.Require("GeneratedTokens");
        var order = default(OrderCheck);
        while (table.Next())
        {
            if (!FieldParser.TryDate(table, time, out var arrival)
                || !FieldParser.TryInt(table, context, "ContextTokens", out var input)
                || !FieldParser.TryInt(table, generated, "GeneratedTokens", out var output)
                || !order.Accept(table, arrival))
            {
                continue;
            }

            yield return new TraceRequest(arrival, function, timing.ExecutionTime(input, output), input, output);
        }
    }
}
