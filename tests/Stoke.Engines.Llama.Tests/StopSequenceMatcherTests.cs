namespace Stoke.Engines.Llama.Tests;

public sealed class StopSequenceMatcherTests
{
    [Fact]
    public void StopStringSplitAcrossPiecesIsNeverEmitted()
    {
        var matcher = new StopSequenceMatcher(["END"]);

        var a = matcher.Push("and then E", out var stoppedA);
        var b = matcher.Push("N", out var stoppedB);
        var c = matcher.Push("D more", out var stoppedC);

        Assert.Equal(("and then ", false), (a, stoppedA));
        Assert.Equal(("", false), (b, stoppedB));
        Assert.Equal(("", true), (c, stoppedC));
    }

    [Fact]
    public void HeldBackTextIsReleasedWhenItStopsMatching()
    {
        var matcher = new StopSequenceMatcher(["END"]);

        matcher.Push("say E", out _);
        var released = matcher.Push("h", out var stopped);

        Assert.False(stopped);
        Assert.Equal("Eh", released);
    }

    [Fact]
    public void FlushReturnsTextHeldAtTheEnd()
    {
        var matcher = new StopSequenceMatcher(["\n\n"]);

        var emitted = matcher.Push("last line\n", out _);

        Assert.Equal("last line", emitted);
        Assert.Equal("\n", matcher.Flush());
    }

    [Fact]
    public void EarliestOfSeveralStopStringsWins()
    {
        var matcher = new StopSequenceMatcher(["dog", "cat"]);

        var emitted = matcher.Push("a cat and a dog", out var stopped);

        Assert.True(stopped);
        Assert.Equal("a ", emitted);
    }
}
