namespace Stoke.Runtime.Storage;

/// <summary>The node cannot start on its state store: unreachable, misconfigured, without its schema, or lost its cluster.
/// The message says what is wrong and what to do.</summary>
public sealed class ClusterStoreException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>This exception in <paramref name="exception"/> or the exceptions it wraps (a host start wraps them).</summary>
    public static ClusterStoreException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ClusterStoreException found)
            {
                return found;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                return aggregate.InnerExceptions.Select(Find).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }
}
