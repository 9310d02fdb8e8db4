using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Runtime.Hosting;

namespace Stoke.Runtime.Memory;

/// <summary>
/// The node's one memory timer (not one per function): every <see cref="StokeNodeOptions.CompactionCheck"/> it asks
/// <see cref="CompactionRule"/> whether a burst has settled, and if so runs one aggressive, compacting collection,
/// which hands the heap's free memory back to the operating system.
/// </summary>
internal sealed partial class IdleCompaction(IOptions<StokeNodeOptions> options, TimeProvider time, ILogger<IdleCompaction> logger) : IHostedService, IDisposable
{
    private readonly CompactionRule _rule = new(CompactionRule.DefaultBurstBytes, CompactionRule.DefaultQuietBytes);
    private ITimer? _timer;

    /// <summary>Compactions run so far.</summary>
    public int Compactions { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.CompactionCheck;
        if (every > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(_ => Check(), null, every, every);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private void Check()
    {
        if (!_rule.ShouldCompact(GC.GetTotalAllocatedBytes()))
        {
            return;
        }

        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Compactions++;
        Log.Compacted(logger, before >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2090, Level = LogLevel.Information, Message = "The node went quiet after a burst: heap compacted, committed {BeforeMb} MiB -> {AfterMb} MiB")]
        public static partial void Compacted(ILogger logger, long beforeMb, long afterMb);
    }
}
