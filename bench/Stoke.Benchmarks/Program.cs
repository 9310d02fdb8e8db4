using BenchmarkDotNet.Running;
using Stoke.Benchmarks.Scenarios;
using Stoke.Benchmarks.Support;

var command = args.Length > 0 ? args[0] : "help";
var options = new Args(args);
switch (command)
{
    case "overhead":
        await ServingOverhead.RunAsync(options);
        break;
    case "burst":
        await BurstThroughput.RunAsync(options);
        break;
    case "two-silo":
        await TwoSiloThroughput.RunAsync(options);
        break;
    case "coldstart":
        await ColdStart.RunAsync(options);
        break;
    case "tiers":
        await ColdStartByTier.RunAsync(options);
        break;
    case "footprint":
        await IdleFootprint.RunAsync(options);
        break;
    case "idle-functions":
        await IdleFunctions.RunAsync(options);
        break;
    case "host":
        await FootprintHost.RunAsync(options);
        break;
    case "vad-streams":
        await VadStreams.RunAsync(options);
        break;
    case "receipts":
        await ReceiptOverhead.RunAsync(options);
        break;
    case "partition":
        await PartitionedMiniLm.RunAsync(options);
        break;
    case "slice-load":
        SliceLoadHost.Run(options);
        break;
    case "soak":
        Environment.ExitCode = await SoakScenario.RunAsync(options);
        break;
    case "micro":
        BenchmarkSwitcher.FromAssembly(typeof(Args).Assembly).Run(args[1..]);
        break;
    default:
        Console.WriteLine("usage: Stoke.Benchmarks overhead|receipts|burst|two-silo|coldstart|tiers|footprint|idle-functions|vad-streams|partition|soak|micro [--option value ...] (see BENCHMARKS.md)");
        break;
}
