using Stoke.Simulator.Evaluation;
using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;

namespace Stoke.Simulator.Tests;

/// <summary>How the protocol compares a keep-alive curve with the dense fixed-TTL curve, in memory and in cold starts.</summary>
public sealed class KeepAliveEvaluationTests
{
    private static readonly EvaluationSlice Slice = new("trace", "days 1-4", SliceRole.Tuned, _ => throw new InvalidOperationException("not run"));

    // The dense fixed sweep on GenTD26 days 1-4 (331 requests, seed 1): a staircase of whole cold starts.
    private static readonly Lazy<IReadOnlyList<RunResult>> Staircase = new(() =>
    {
        var days = EvaluationSlices.KeepAlive(Path.GetDirectoryName(TracePaths.GenTd26)!).Single(s => s.Name == "days 1-4");
        return [.. SweepRunner.Run(SweepRunner.FixedTtlSweep(days.Run(1), KeepAliveEvaluation.DenseTtlMinutes)).Select(r => r.Total)];
    });

    private static RunResult Point(long coldStarts, double wastedGbSeconds) =>
        new("*", 100, 100, 0, coldStarts, 0, 0, null, wastedGbSeconds, 0, 0, 0m, 0, 0);

    private static IReadOnlyList<RunResult> Scaled(IReadOnlyList<RunResult> curve, double memory) =>
        [.. curve.Select(r => r with { WastedGbSeconds = r.WastedGbSeconds * memory })];

    [Fact]
    public void TheFixedTtlScoresExactlyZeroAgainstItselfOnAStaircase()
    {
        var curve = Staircase.Value;
        // A staircase: TTLs that share one cold-start count and differ in memory (what the point-by-point rule charged).
        Assert.Contains(curve.GroupBy(r => r.ColdStarts), stair => stair.Select(r => r.WastedGbSeconds).Distinct().Count() > 1);

        var points = KeepAliveEvaluation.Compare(curve, curve);

        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.Equal((0.0, (double?)0.0), (p.Saving, p.ColdStartsOffCurve)));
        Assert.Equal(Verdict.Tie, KeepAliveEvaluation.Row(Slice, "control", points).Verdict);
    }

    [Fact]
    public void ACurveFivePercentCheaperAtEqualColdStartsWins()
    {
        var curve = Staircase.Value;

        var row = KeepAliveEvaluation.Row(Slice, "cheaper", KeepAliveEvaluation.Compare(curve, Scaled(curve, 0.95)));

        Assert.Equal((Verdict.Win, 5.0, 5.0), (row.Verdict, Math.Round(row.WorstSavingPercent, 6), Math.Round(row.BestSavingPercent, 6)));
    }

    [Fact]
    public void ACurveFivePercentDearerAtEqualColdStartsLoses()
    {
        var curve = Staircase.Value;

        var row = KeepAliveEvaluation.Row(Slice, "dearer", KeepAliveEvaluation.Compare(curve, Scaled(curve, 1.05)));

        Assert.Equal((Verdict.Loss, -5.0), (row.Verdict, Math.Round(row.WorstSavingPercent, 6)));
    }

    [Fact]
    public void TheProtocolScoresTheFixedTtlRunAsACandidateAtZeroBesideAnother()
    {
        // Two candidates share the fixed curve's runs: the control (the dense sweep itself) after a shorter one, so a
        // report read from the wrong place would show as a saving.
        var days = EvaluationSlices.KeepAlive(Path.GetDirectoryName(TracePaths.GenTd26)!).Where(s => s.Name == "days 1-4").ToList();
        KeepAliveCandidate[] candidates =
        [
            new("two TTLs", b => SweepRunner.FixedTtlSweep(b, [2, 20])),
            new("control", b => SweepRunner.FixedTtlSweep(b, KeepAliveEvaluation.DenseTtlMinutes)),
        ];

        var control = KeepAliveEvaluation.Run(days, candidates, [1]).Single(r => r.Policy == "control");

        Assert.True(control.Points > 0);
        Assert.Equal((Verdict.Tie, 0.0, 0.0), (control.Verdict, control.WorstSavingPercent, control.BestSavingPercent));
    }

    [Fact]
    public void ACandidateIsReadOffItsCheapestPointAtEachColdStartLevel()
    {
        // Fixed over 100 requests: 50 cold starts at 100 GB-s, 40 at 200, 30 at 400. The candidate also has a point on
        // the 40 stair at 300 GB-s: its cheapest point there, 180, is what it is judged by, as the fixed curve is.
        RunResult[] fixedCurve = [Point(50, 100), Point(40, 200), Point(30, 400)];
        RunResult[] candidate = [Point(50, 100), Point(40, 300), Point(40, 180), Point(30, 400)];

        var savings = KeepAliveEvaluation.Compare(fixedCurve, candidate).Select(p => Math.Round(p.Saving, 6));

        Assert.Equal([0.0, 0.1, 0.0], savings);
    }

    [Fact]
    public void ReadsALossInMemoryAsTheColdStartsTheFixedCurveSavesWithTheSameMemory()
    {
        // At 40 cold starts the candidate needs 300 GB-s, with which the fixed curve has 35: five cold starts off it.
        RunResult[] fixedCurve = [Point(50, 100), Point(40, 200), Point(30, 400)];
        RunResult[] candidate = [Point(50, 100), Point(40, 300), Point(30, 400)];

        var worst = KeepAliveEvaluation.Compare(fixedCurve, candidate).MinBy(p => p.Saving);

        Assert.Equal((-0.5, 5.0), (Math.Round(worst.Saving, 6), Math.Round(worst.ColdStartsOffCurve!.Value, 6)));
    }

    [Fact]
    public void ComparesOnlyWhereBothCurvesReach()
    {
        // The candidate reaches 45..40 cold starts: the fixed levels 50 and 30 are outside it.
        RunResult[] fixedCurve = [Point(50, 100), Point(40, 200), Point(30, 400)];
        RunResult[] candidate = [Point(45, 150), Point(40, 200)];

        var points = KeepAliveEvaluation.Compare(fixedCurve, candidate);

        Assert.Equal(2, points.Count);
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
