using System.Globalization;
using System.Runtime.CompilerServices;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies.Autoscaling;
using Stoke.Policies.Batching;
using Stoke.Policies.Eviction;
using Stoke.Policies.KeepAlive;
using Stoke.Policies.Placement;
using Stoke.Policies.Routing;

namespace Stoke.Policies;

/// <summary>
/// The policies by name: the built-in ones, plus routing and placement policies registered by the host (in the
/// server, every <see cref="IRoutingPolicy"/> and <see cref="IPlacementPolicy"/> in the container). The live server
/// and the simulator both create policies here, so each policy has one implementation; a spec naming an unknown
/// policy or a bad value is rejected at deploy time, and a node naming an unknown placement or eviction policy at start.
/// </summary>
public sealed class PolicyCatalog : IPolicyCatalog
{
    /// <summary>Autoscaler names for <see cref="ScalingOptions.Autoscaler"/>.</summary>
    public static IReadOnlyList<string> Autoscalers { get; } = [PolicyNames.Kpa, PolicyNames.Predictive, PolicyNames.GuardedPredictive];

    /// <summary>Keep-alive names for <see cref="ScalingOptions.KeepAlive"/>.</summary>
    public static IReadOnlyList<string> KeepAlives { get; } = [PolicyNames.FixedKeepAlive, PolicyNames.HybridHistogram, PolicyNames.LongShortHistogram, PolicyNames.SurvivalKeepAlive];

    /// <summary>Batching names for <see cref="BatchingOptions.Policy"/>.</summary>
    public static IReadOnlyList<string> Batchers { get; } = [PolicyNames.FixedBatching, PolicyNames.SloAdaptiveBatching];

    /// <summary>Built-in placement names, configured per cluster.</summary>
    public static IReadOnlyList<string> Placements { get; } = [PolicyNames.FirstFit, PolicyNames.BestFit, PolicyNames.LocalityAware, PolicyNames.EnergyAware];

    /// <summary>Built-in routing names for <see cref="FunctionSpec.Routing"/>.</summary>
    public static IReadOnlyList<string> Routings { get; } =
        [PolicyNames.LeastRequests, PolicyNames.PowerOfTwoChoices, PolicyNames.LocalFirst, PolicyNames.Affinity, PolicyNames.BinPack];

    /// <summary>Eviction names, configured per node.</summary>
    public static IReadOnlyList<string> Evictions { get; } = [PolicyNames.LruEviction, PolicyNames.CostAwareEviction];

    private readonly HistogramOptions _histogram;
    private readonly Dictionary<string, IRoutingPolicy> _routing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IPlacementPolicy> _placement = new(StringComparer.Ordinal);

    /// <summary>The catalog with every policy at its documented defaults.</summary>
    public PolicyCatalog()
        : this(new HistogramOptions())
    {
    }

    /// <summary>The catalog with the histogram keep-alive policies tuned (the simulator sweeps these).</summary>
    public PolicyCatalog(HistogramOptions histogram)
        : this(histogram, [], [])
    {
    }

    /// <summary>The built-in policies plus the host's own routing and placement policies, known by their names.</summary>
    /// <exception cref="ArgumentException">Two policies of one kind share a name.</exception>
    public PolicyCatalog(HistogramOptions histogram, IEnumerable<IRoutingPolicy> routing, IEnumerable<IPlacementPolicy> placement)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        _histogram = histogram;
        IRoutingPolicy[] builtInRouting = [new LeastRequestsRouting(), new PowerOfTwoChoicesRouting(), new LocalFirstRouting(), new AffinityRouting(), new BinPackRouting()];
        IPlacementPolicy[] builtInPlacement = [new FirstFitPlacement(), new BestFitPlacement(), new LocalityAwarePlacement(), new EnergyAwarePlacement()];
        foreach (var policy in builtInRouting.Concat(routing))
        {
            Register(_routing, policy.Name, policy, "routing");
        }

        foreach (var policy in builtInPlacement.Concat(placement))
        {
            Register(_placement, policy.Name, policy, "placement");
        }
    }

    /// <summary>Every routing policy's name, built-in and registered.</summary>
    public IReadOnlyCollection<string> RoutingNames => _routing.Keys;

    /// <summary>Every placement policy's name, built-in and registered.</summary>
    public IReadOnlyCollection<string> PlacementNames => _placement.Keys;

    public void Validate(FunctionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var scaling = spec.Scaling ?? throw Bad("Scaling", "must be set");
        var batching = spec.Batching ?? throw Bad("Batching", "must be set");

        RequireKnown("Scaling.Autoscaler", scaling.Autoscaler, Autoscalers);
        RequireKnown("Scaling.KeepAlive", scaling.KeepAlive, KeepAlives);
        if (scaling.ShadowAutoscaler is { } shadowAutoscaler)
        {
            RequireKnown("Scaling.ShadowAutoscaler", shadowAutoscaler, Autoscalers);
        }

        if (scaling.ShadowKeepAlive is { } shadowKeepAlive)
        {
            RequireKnown("Scaling.ShadowKeepAlive", shadowKeepAlive, KeepAlives);
        }
        RequireKnown("Batching.Policy", batching.Policy, Batchers);
        if (spec.Routing is null || !_routing.ContainsKey(spec.Routing))
        {
            throw Unknown("Routing", spec.Routing, [.. _routing.Keys]);
        }

        Require(scaling.MinInstances >= 0, "Scaling.MinInstances", $"({scaling.MinInstances}) must be >= 0");
        Require(scaling.MaxInstances >= 1, "Scaling.MaxInstances", $"({scaling.MaxInstances}) must be >= 1");
        Require(scaling.MaxInstances >= scaling.MinInstances, "Scaling.MaxInstances",
            $"({scaling.MaxInstances}) must be >= Scaling.MinInstances ({scaling.MinInstances})");
        Require(double.IsFinite(scaling.TargetConcurrency) && scaling.TargetConcurrency > 0, "Scaling.TargetConcurrency",
            $"({scaling.TargetConcurrency}) must be a positive number");
        Require(scaling.KeepAliveTtl >= TimeSpan.Zero, "Scaling.KeepAliveTtl", $"({scaling.KeepAliveTtl}) must not be negative");
        Require(scaling.StableWindow > TimeSpan.Zero, "Scaling.StableWindow", $"({scaling.StableWindow}) must be positive");
        Require(scaling.PanicWindow > TimeSpan.Zero, "Scaling.PanicWindow", $"({scaling.PanicWindow}) must be positive");
        Require(scaling.PanicWindow <= scaling.StableWindow, "Scaling.PanicWindow",
            $"({scaling.PanicWindow}) must not exceed Scaling.StableWindow ({scaling.StableWindow})");
        Require(double.IsFinite(scaling.PanicThreshold) && scaling.PanicThreshold >= 1, "Scaling.PanicThreshold",
            $"({scaling.PanicThreshold}) must be >= 1");
        Require(scaling.MaxQueuedRequests >= 0, "Scaling.MaxQueuedRequests", $"({scaling.MaxQueuedRequests}) must be >= 0");
        Require(scaling.DefaultDeadline > TimeSpan.Zero, "Scaling.DefaultDeadline", $"({scaling.DefaultDeadline}) must be positive");
        Require(scaling.InstanceConcurrency >= 0, "Scaling.InstanceConcurrency", $"({scaling.InstanceConcurrency}) must be >= 0 (0: no limit)");

        Require(batching.MaxBatchSize >= 1, "Batching.MaxBatchSize", $"({batching.MaxBatchSize}) must be >= 1");
        Require(batching.MaxQueueDelay >= TimeSpan.Zero, "Batching.MaxQueueDelay", $"({batching.MaxQueueDelay}) must not be negative");

        Require(spec.Slo is null || spec.Slo > TimeSpan.Zero, "Slo", $"({spec.Slo}) must be positive when set");
        Require(spec.InstanceMemoryBytes >= 0, "InstanceMemoryBytes", $"({spec.InstanceMemoryBytes}) must not be negative");
    }

    public IAutoscaler CreateAutoscaler(FunctionSpec spec)
    {
        Validate(spec);
        return spec.Scaling.Autoscaler switch
        {
            PolicyNames.Predictive => new PredictiveAutoscaler(spec.Scaling),
            PolicyNames.GuardedPredictive => new GuardedPredictiveAutoscaler(spec.Scaling),
            _ => new KpaAutoscaler(spec.Scaling),
        };
    }

    public IKeepAlivePolicy CreateKeepAlive(FunctionSpec spec)
    {
        Validate(spec);
        var ttl = spec.Scaling.KeepAliveTtl;
        return spec.Scaling.KeepAlive switch
        {
            PolicyNames.HybridHistogram => new HybridHistogramKeepAlive(ttl, _histogram),
            PolicyNames.LongShortHistogram => new LongShortHistogramKeepAlive(ttl, _histogram),
            PolicyNames.SurvivalKeepAlive => new SurvivalKeepAlive(ttl),
            _ => new FixedKeepAlive(ttl),
        };
    }

    public IBatchingPolicy CreateBatching(FunctionSpec spec)
    {
        Validate(spec);
        return spec.Batching.Policy switch
        {
            PolicyNames.SloAdaptiveBatching => new SloAdaptiveBatching(spec.Batching, spec.Slo),
            _ => new FixedBatching(spec.Batching.MaxBatchSize, spec.Batching.MaxQueueDelay),
        };
    }

    public IPlacementPolicy CreatePlacement(string name) =>
        _placement.TryGetValue(name, out var policy) ? policy : throw Unknown("placement", name, [.. _placement.Keys]);

    public IRoutingPolicy GetRouting(string name) =>
        _routing.TryGetValue(name, out var policy) ? policy : throw Unknown("routing", name, [.. _routing.Keys]);

    public void ValidateNode(string placement, string eviction)
    {
        RequireKnown("placement", placement, [.. _placement.Keys]);
        RequireKnown("eviction", eviction, Evictions);
    }

    public IEvictionPolicy CreateEviction(string name) => name switch
    {
        PolicyNames.LruEviction => new LruEviction(),
        PolicyNames.CostAwareEviction => new CostAwareEviction(),
        _ => throw Unknown("eviction", name, Evictions),
    };

    private static void Register<T>(Dictionary<string, T> registry, string name, T policy, string kind)
    {
        if (string.IsNullOrWhiteSpace(name) || !registry.TryAdd(name, policy))
        {
            throw new ArgumentException($"Two {kind} policies are registered as '{name}': each needs its own name.", nameof(policy));
        }
    }

    private static void RequireKnown(string setting, string? name, IReadOnlyList<string> known)
    {
        if (name is null || !known.Contains(name, StringComparer.Ordinal))
        {
            throw Unknown(setting, name, known);
        }
    }

    // The problem is formatted only when the condition fails: every function created validates its spec, and a
    // replay of 100,000 functions would otherwise format thousands of messages that nobody reads.
    private static void Require(bool condition, string setting, [InterpolatedStringHandlerArgument(nameof(condition))] ProblemText problem)
    {
        if (!condition)
        {
            throw Bad(setting, problem.ToStringAndClear());
        }
    }

    private static ArgumentException Bad(string setting, string problem) =>
        new($"{setting} {problem}.", "spec");

    private static ArgumentException Unknown(string setting, string? name, IReadOnlyList<string> known) =>
        new($"Unknown {setting} '{name}'. Known: {string.Join(", ", known)}.", "name");

    /// <summary>An interpolated problem, formatted in the invariant culture, and only when the condition is false.</summary>
    [InterpolatedStringHandler]
    private ref struct ProblemText
    {
        private DefaultInterpolatedStringHandler _inner;

        public ProblemText(int literalLength, int formattedCount, bool condition, out bool format)
        {
            format = !condition;
            _inner = format ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
        }

        public void AppendLiteral(string value) => _inner.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

        public string ToStringAndClear() => _inner.ToStringAndClear();
    }
}
