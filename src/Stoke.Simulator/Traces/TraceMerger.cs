namespace Stoke.Simulator.Traces;

/// <summary>Merges time-ordered streams into one time-ordered stream with a heap, holding one request per stream.</summary>
public static class TraceMerger
{
    public static IEnumerable<TraceRequest> Merge(IEnumerable<IEnumerable<TraceRequest>> streams)
    {
        var heap = new PriorityQueue<IEnumerator<TraceRequest>, (long Ticks, int Source)>();
        var open = new List<IEnumerator<TraceRequest>>();
        try
        {
            var source = 0;
            foreach (var stream in streams)
            {
                var e = stream.GetEnumerator();
                open.Add(e);
                if (e.MoveNext())
                {
                    heap.Enqueue(e, (e.Current.Arrival.UtcTicks, source));
                }

                source++;
            }

            while (heap.TryDequeue(out var e, out var key))
            {
                yield return e.Current;
                if (e.MoveNext())
                {
                    heap.Enqueue(e, (e.Current.Arrival.UtcTicks, key.Source));
                }
            }
        }
        finally
        {
            foreach (var e in open)
            {
                e.Dispose();
            }
        }
    }
}
