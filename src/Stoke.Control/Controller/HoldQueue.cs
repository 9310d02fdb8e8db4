using Stoke.Abstractions.Policies;

namespace Stoke.Control.Controller;

/// <summary>
/// The requests a controller holds while no instance can take them, oldest first, each with its deadline. Bounded by
/// the function's <c>MaxQueuedRequests</c> (the controller refuses beyond it).
/// </summary>
internal sealed class HoldQueue<THeld>
{
    private readonly LinkedList<Held<THeld>> _queue = new();

    public int Count => _queue.Count;

    public Held<THeld>? Oldest => _queue.First?.Value;

    public Held<THeld> Add(THeld request, DateTimeOffset deadline, DateTimeOffset now, bool cold, in RoutingContext routing)
    {
        var held = new Held<THeld>(request, deadline, now, cold, routing);
        held.Node = _queue.AddLast(held);
        return held;
    }

    /// <summary>Takes a request out of the queue; false when it had left already.</summary>
    public bool Remove(Held<THeld> held)
    {
        if (held.Node is not { List: not null } node)
        {
            return false;
        }

        _queue.Remove(node);
        held.Node = null;
        return true;
    }

    /// <summary>Removes and returns the requests whose deadline is at or before <paramref name="now"/>.</summary>
    public List<Held<THeld>>? TakeExpired(DateTimeOffset now)
    {
        List<Held<THeld>>? expired = null;
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Deadline <= now)
            {
                _queue.Remove(node);
                node.Value.Node = null;
                (expired ??= []).Add(node.Value);
            }

            node = next;
        }

        return expired;
    }

    public List<Held<THeld>> TakeAll()
    {
        var all = new List<Held<THeld>>(_queue);
        foreach (var held in all)
        {
            held.Node = null;
        }

        _queue.Clear();
        return all;
    }
}

/// <summary>A held request: the host's handle for it, when it arrived, its deadline, and whether it found the function cold.</summary>
public sealed class Held<THeld>
{
    internal Held(THeld request, DateTimeOffset deadline, DateTimeOffset since, bool cold, in RoutingContext routing)
    {
        Request = request;
        Deadline = deadline;
        Since = since;
        Cold = cold;
        Routing = routing;
    }

    public THeld Request { get; }

    public DateTimeOffset Deadline { get; }

    public DateTimeOffset Since { get; }

    /// <summary>No instance was ready when it arrived: it waits for a cold start.</summary>
    public bool Cold { get; }

    /// <summary>What routing knows of the request (its gateway, its affinity key), for when it is dispatched.</summary>
    public RoutingContext Routing { get; }

    internal LinkedListNode<Held<THeld>>? Node { get; set; }
}
