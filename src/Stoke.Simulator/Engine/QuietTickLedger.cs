namespace Stoke.Simulator.Engine;

/// <summary>
/// Each function's quiet-tick counters (<see cref="SimFunction.QuietLeft"/>, <see cref="SimFunction.QuietSkipped"/>)
/// in two dense arrays by function index. The event lane reads and changes them for every skipped tick: hundreds of
/// millions in a large replay, each of which would otherwise touch a function object somewhere in a heap of a
/// gigabyte. Here they stay in a few hundred kilobytes of cache, and the lane holds no references for the GC to scan.
/// </summary>
internal sealed class QuietTickLedger
{
    private int[] _left = new int[64];
    private int[] _skipped = new int[64];

    /// <summary>Makes room for the function with index <paramref name="index"/> (indices are dense, from 0).</summary>
    public void Add(int index)
    {
        if (index >= _left.Length)
        {
            Array.Resize(ref _left, Math.Max(index + 1, _left.Length * 2));
            Array.Resize(ref _skipped, _left.Length);
        }
    }

    public ref int Left(int index) => ref _left[index];

    public ref int Skipped(int index) => ref _skipped[index];
}
