using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Errors;

namespace Stoke.Streams.Tests;

public sealed class StreamTableTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    [Fact]
    public void IdleStreamIsGoneWithTheReasonAfterItsTimeout()
    {
        var time = new FakeTimeProvider();
        using var table = new StreamTable(time, TimeSpan.FromHours(1));
        var stream = Open(table, "n");

        time.Advance(Idle - TimeSpan.FromSeconds(1));
        Assert.Same(stream, table.Get(stream.Id, "t/vad"));
        time.Advance(TimeSpan.FromSeconds(1));

        var gone = Assert.Throws<StokeException>(() => table.Get(stream.Id, "t/vad"));
        Assert.Equal(StokeErrorKind.Gone, gone.Kind);
        Assert.Contains("expired after 30 s", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SweepTimerEndsIdleStreamsAndRaisesEndedOnce()
    {
        var time = new FakeTimeProvider();
        using var table = new StreamTable(time, TimeSpan.FromSeconds(1));
        var ended = new List<string>();
        table.Ended += (s, reason) => ended.Add(s.Id + ": " + reason);
        var idle = Open(table, "n");
        time.Advance(TimeSpan.FromSeconds(20));
        var fresh = Open(table, "n");

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([idle.Id + ": expired after 30 s without a chunk"], ended);
        Assert.Same(fresh, table.Get(fresh.Id, "t/vad"));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void StreamWithAChunkInFlightDoesNotExpire()
    {
        var time = new FakeTimeProvider();
        using var table = new StreamTable(time, TimeSpan.FromSeconds(1));
        var stream = Open(table, "n");
        Assert.True(stream.TryEnter());

        time.Advance(Idle * 2);

        Assert.Equal(1, table.Count);
        stream.Exit(time.GetUtcNow());
        Assert.Same(stream, table.Get(stream.Id, "t/vad"));
    }

    [Fact]
    public void UnknownIsNotFoundAndClosedIsGone()
    {
        var time = new FakeTimeProvider();
        using var table = new StreamTable(time, TimeSpan.FromHours(1));
        var stream = Open(table, "n");
        table.Close(stream.Id, "t/vad");

        Assert.Equal(StokeErrorKind.NotFound, Assert.Throws<StokeException>(() => table.Get(StreamIds.New("n"), "t/vad")).Kind);
        var closed = Assert.Throws<StokeException>(() => table.Get(stream.Id, "t/vad"));
        Assert.Equal(StokeErrorKind.Gone, closed.Kind);
        Assert.Contains("closed by its client", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherFunctionsStreamIsNotFound()
    {
        using var table = new StreamTable(new FakeTimeProvider(), TimeSpan.FromHours(1));
        var stream = Open(table, "n");

        Assert.Equal(StokeErrorKind.NotFound, Assert.Throws<StokeException>(() => table.Get(stream.Id, "t/other")).Kind);
    }

    [Fact]
    public void StreamIdNamesItsNode()
    {
        var id = StreamIds.New("127.0.0.1:11111@123");

        Assert.Equal("127.0.0.1:11111@123", StreamIds.NodeOf(id));
        Assert.Null(StreamIds.NodeOf("not-a-stream"));
        Assert.Null(StreamIds.NodeOf(id[..^1] + "X"));
    }

    private static StreamSession Open(StreamTable table, string node) => table.Open(StreamIds.New(node), "t/vad", 1, "i1", [], 0, Idle);
}
