using BenchmarkDotNet.Attributes;
using Stoke.Abstractions.Usage;
using Stoke.Receipts;

namespace Stoke.Benchmarks.Micro;

/// <summary>
/// Issuing one receipt for a typical MiniLM exchange (a 100-byte JSON request, the 40 KB JSON response of [1,8,384]
/// FP32): two SHA-256s, the usage digest, the Ed25519 signature, in memory and with the chain file appended to.
/// </summary>
[MemoryDiagnoser]
public class ReceiptBenchmarks
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "stoke-receipt-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private ReceiptBook _memory = null!;
    private ReceiptBook _file = null!;
    private ReceiptSubject _subject;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new ReceiptBook(null, "127.0.0.1:11111@1", 1000, TimeProvider.System);
        _file = new ReceiptBook(_directory, "127.0.0.1:11111@1", 1000, TimeProvider.System);
        var usage = new UsageRecord { Tenant = "default", Function = "minilm", Version = 1, Node = "127.0.0.1:11111@1", ComputeMs = 4.2, BatchSize = 1 };
        _subject = new ReceiptSubject("default", "minilm", 1, new string('a', 64), new byte[100], new byte[40_000], [usage]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose();
        _file.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public string IssueInMemory() => _memory.Issue(_subject).ToBase64Url();

    [Benchmark]
    public string IssueWithChainFile() => _file.Issue(_subject).ToBase64Url();
}
