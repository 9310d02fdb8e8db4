using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stoke.Partitioning.Planning;

namespace Stoke.Cli.Rendering;

/// <summary>The table <c>stoke partition</c> prints: each slice's nodes, weights, and what it takes and passes on.</summary>
internal static class PlanTables
{
    public static IRenderable Slices(PartitionPlan plan)
    {
        var table = new Table().Title($"{Markup.Escape(plan.Model)}: {plan.Slices.Count} slices of {plan.NodeCount} nodes ({plan.ValidCuts} possible cuts), symbolic dims counted as {plan.NominalDim}")
            .AddColumns("slice", "nodes", "weights MB", "inputs", "passes on", "bytes passed");
        foreach (var slice in plan.Slices)
        {
            var cut = plan.Cuts.FirstOrDefault(c => c.After == slice.Number);
            table.AddRow(
                Markup.Escape(slice.File),
                $"{slice.FirstNode}..{slice.FirstNode + slice.NodeCount - 1}",
                Mb(slice.WeightBytes),
                Markup.Escape(string.Join(", ", slice.Inputs.Select(i => i.Name))),
                Markup.Escape(string.Join(", ", slice.Outputs.Select(o => o.Name))),
                cut is null ? "-" : cut.EstimatedBytes.ToString("N0", CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.00", CultureInfo.InvariantCulture);
}
