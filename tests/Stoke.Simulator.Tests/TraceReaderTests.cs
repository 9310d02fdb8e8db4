using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

public sealed class TraceReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stoke-sim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GenTd26ReadsRealRowsAsPerModelRequestsWithExecutionTimes()
    {
        var first = GenTd26TraceReader.Read(TracePaths.GenTd26).Take(3).ToList();

        Assert.Equal(new DateTimeOffset(2024, 11, 15, 16, 57, 50, TimeSpan.Zero), first[0].Arrival);
        Assert.Equal(["M0000", "M0001", "M0001"], first.Select(r => r.Function));
        Assert.Equal([32.0, 43.0, 36.0], first.Select(r => r.ExecutionTime.TotalSeconds));
    }

    [Fact]
    public void GenTd26LoadLatenciesHaveTheMeasuredMedianOfAboutTwentyThreeSeconds()
    {
        var loads = GenTd26TraceReader.ReadLoadLatencies(TracePaths.GenTd26);

        Assert.InRange(loads.Median.TotalSeconds, 22, 23.5);
    }

    [Fact]
    public void AzureLlmReadsTokenCountsAndDerivesServiceTimeFromThem()
    {
        var first = AzureLlmTraceReader.Read(TracePaths.AzureLlm).First();

        Assert.Equal((374, 44), (first.InputTokens, first.OutputTokens));
        Assert.Equal(374 / 8000.0 + 44 * 0.020, first.ExecutionTime.TotalSeconds, 3);
    }

    [Fact]
    public void ServeGenGeneratesTimeOrderedArrivalsNearTheWindowRate()
    {
        // chunk-5's first busy window (600 s) runs at about 349 req/s; scaled by 0.01 that is ~3.5 req/s.
        var file = Path.Combine(TracePaths.ServeGenSmall, "chunk-5-trace.csv");
        var requests = ServeGenTraceReader.Read(file, new ServeGenOptions { Start = TimeSpan.FromSeconds(600), Duration = TimeSpan.FromSeconds(600), RateScale = 0.01 }).ToList();

        Assert.InRange(requests.Count, 1500, 2700);
        Assert.True(requests.Zip(requests.Skip(1)).All(p => p.First.Arrival <= p.Second.Arrival));
    }

    [Fact]
    public void GenericCsvAcceptsSecondsOrIsoTimestampsAndOptionalTokens()
    {
        var path = Write("ok.csv", "timestamp,function,duration_ms,input_tokens\n0.5,a,100,7\n2024-01-01T00:00:01Z,b,250,0\n");

        var rows = CsvTraceReader.Read(path).ToList();

        Assert.Equal(["a", "b"], rows.Select(r => r.Function));
        Assert.Equal(7, rows[0].InputTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(250), rows[1].ExecutionTime);
    }

    [Theory]
    [InlineData("timestamp,function\n1,a\n", ":1: missing column 'duration_ms'")]
    [InlineData("timestamp,function,duration_ms\n1,a,10\nyesterday,a,10\n", ":3: bad timestamp 'yesterday'")]
    [InlineData("timestamp,function,duration_ms\n5,a,10\n4,a,10\n", ":3: row is out of time order")]
    [InlineData("timestamp,function,duration_ms\n1,a,10\n#!garbage\n", ":3: expected 3 fields, found 1")]
    [InlineData("timestamp,function,duration_ms\n1,a,ten\n", ":2: bad duration_ms 'ten'")]
    public void BadCsvInputFailsNamingFileLineAndProblem(string content, string expected)
    {
        var path = Write("bad.csv", content);

        var error = Assert.Throws<TraceFormatException>(() => CsvTraceReader.Read(path).ToList());

        Assert.StartsWith(path + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LenientParsingSkipsAndCountsBadLines()
    {
        var path = Write("mixed.csv", "timestamp,function,duration_ms\n1,a,10\ngarbage\n0,a,10\n2,a,x\n3,b,20\n");
        var options = new TraceReadOptions { Lenient = true };

        var rows = CsvTraceReader.Read(path, options).ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal(3, options.Diagnostics.SkippedLines);
    }

    [Fact]
    public void GenTd26WithAMissingColumnNamesTheColumn()
    {
        var path = Write("lora_request_trace.csv", "gmt_create,exec_time_seconds\n2024-11-15 16:57:50,32.0\n");

        var error = Assert.Throws<TraceFormatException>(() => GenTd26TraceReader.Read(path).ToList());

        Assert.Contains("missing column 'checkpoint_model_version_id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenTd26UnsortedRowFailsWithItsLineNumber()
    {
        var path = Write("lora_request_trace.csv",
            "gmt_create,exec_time_seconds,checkpoint_model_version_id\n2024-11-15 16:57:50,32.0,M1\n2024-11-15 16:57:49,32.0,M1\n");

        var error = Assert.Throws<TraceFormatException>(() => GenTd26TraceReader.Read(path).ToList());

        Assert.Equal((path, 3L), (error.File, error.Line));
    }

    [Fact]
    public void ServeGenUnknownPatternFailsNamingTheLine()
    {
        var path = Write("chunk-1-trace.csv", "0,1.0,1.0,Gamma,1.0,1.0\n600,1.0,1.0,Pareto,1.0,1.0\n");

        var error = Assert.Throws<TraceFormatException>(() => ServeGenTraceReader.Read(path, new ServeGenOptions { Duration = TimeSpan.FromHours(1) }).ToList());

        Assert.Contains(":2: unknown pattern 'Pareto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergerInterleavesStreamsInTimeOrder()
    {
        static IEnumerable<TraceRequest> At(string f, params int[] seconds) =>
            seconds.Select(s => new TraceRequest(DateTimeOffset.UnixEpoch.AddSeconds(s), f, TimeSpan.Zero));

        var merged = TraceMerger.Merge([At("a", 1, 4, 9), At("b", 2, 3, 10)]).Select(r => r.Function + r.Arrival.ToUnixTimeSeconds());

        Assert.Equal(["a1", "b2", "b3", "a4", "a9", "b10"], merged);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
