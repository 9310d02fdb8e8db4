using Stoke.Simulator.Evaluation;
using Stoke.Simulator.Results;

namespace Stoke.Simulator.Tests;

/// <summary>How the protocol compares a keep-alive point with the dense fixed-TTL curve, in memory and in cold starts.</summary>
public sealed class KeepAliveEvaluationTests
{
    private static readonly EvaluationSlice Slice = new("trace", "days 1-4", SliceRole.Tuned, _ => throw new InvalidOperationException("not run"));

    // A fixed curve over 100 requests: 50 cold starts at 100 GB-s, 40 at 200, 30 at 400.
    private static readonly RunResult[] Curve = [Point(50, 100), Point(40, 200), Point(30, 400)];

    private static RunResult Point(long coldStarts, double wastedGbSeconds) =>
        new("*", 100, 100, 0, coldStarts, 0, 0, null, wastedGbSeconds, 0, 0, 0m, 0, 0);

    [Fact]
    public void ReadsALossInMemoryAsTheColdStartsTheFixedCurveSavesWithTheSameMemory()
    {
        // 42 cold starts at 200 GB-s, where the fixed curve has 40: two cold starts off it.
        var off = KeepAliveEvaluation.ColdStartsOffCurve(Curve, Point(42, 200));

        Assert.Equal(2.0, off!.Value, 6);
    }

    [Fact]
    public void APointOnAStairOfTheFixedCurveLosesMemoryButNoColdStart()
    {
        // TTLs past 200 GB-s that save no cold start until 400: a fixed TTL on that stair (40 at 300) is compared with
        // the stair's cheapest point (40 at 200), so the baseline itself loses a third of its memory, at 0 cold starts off.
        RunResult[] stair = [.. Curve, Point(40, 300)];
        var onStair = Point(40, 300);

        var saving = 1 - (onStair.WastedGbSeconds / KeepAliveEvaluation.Interpolate(stair, onStair.ColdStartRate)!.Value);
        var off = KeepAliveEvaluation.ColdStartsOffCurve(stair, onStair);

        Assert.Equal((saving, off), (-0.5, (double?)0.0));
    }

    [Fact]
    public void TheRowReportsTheWorstPointsColdStartsOffTheCurve()
    {
        var row = KeepAliveEvaluation.Row(Slice, "candidate", [new(0.05, -1), new(-0.2, 3), new(0.02, 0)]);

        Assert.Equal((row.Verdict, row.WorstSavingPercent, row.WorstColdStartsOffCurve), (Verdict.Loss, -20.0, (double?)3));
    }

    [Fact]
    public void SurvivalTtlIsTunedOnTheFirstTwoThirdsAndHeldOutOnTheLast()
    {
        var roles = new[] { "days 1-4", "days 5-9", "days 10-14", "all 13 days" }.Select(n => EvaluationSlices.SurvivalRole(Slice with { Name = n }));

        Assert.Equal([SliceRole.Tuned, SliceRole.Tuned, SliceRole.HeldOut, SliceRole.PartOfTuned], roles);
    }
}
