using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Tensors;
using Stoke.Control.Controller;
using Stoke.Policies;

namespace Stoke.Control.Tests;

/// <summary>A controller port that records what the controller asked for; the test plays the nodes' part.</summary>
internal sealed class RecordingPort : IControllerPort<string>
{
    private int _next;

    public List<NodeView> NodeList { get; } = [Node("node-a"), Node("node-b")];

    public List<(string Instance, string Node)> Started { get; } = [];

    public List<(string Instance, string Reason)> Stopped { get; } = [];

    public List<(string Request, Assignment Assignment)> Dispatched { get; } = [];

    public List<(string Request, StokeException Error)> Refused { get; } = [];

    public List<RouteTable> Published { get; } = [];

    public IReadOnlyList<NodeView> Nodes() => NodeList;

    public HashSet<string> Unreachable { get; } = [];

    public bool IsReachable(string nodeId) => !Unreachable.Contains(nodeId);

    public string NewInstanceId() => "i" + _next++;

    public void StartInstance(string instanceId, string nodeId) => Started.Add((instanceId, nodeId));

    public void StopInstance(string instanceId, string nodeId, string reason) => Stopped.Add((instanceId, reason));

    public void Dispatch(string request, in Assignment assignment) => Dispatched.Add((request, assignment));

    public void Refuse(string request, StokeException error) => Refused.Add((request, error));

    public void PublishRoutes(RouteTable routes) => Published.Add(routes);

    public static NodeView Node(string id, long freeBytes = 8L << 30) =>
        new(id, freeBytes, 0, 0, new HashSet<string>(), new HashSet<string>(), 0, new Dictionary<string, string>());
}

/// <summary>A controller under test with its port, decisions and fake clock.</summary>
internal sealed class ControllerRig
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public ControllerRig(ScalingOptions? scaling = null, string routing = PolicyNames.LeastRequests, Func<FunctionSpec, FunctionSpec>? configure = null, int tenantMaxInstances = 0)
    {
        var spec = new FunctionSpec
        {
            Tenant = "t",
            Name = "f",
            Version = 1,
            Engine = "onnx",
            Artifact = new ArtifactRef("abc", 1 << 20, "m.onnx"),
            Signature = new ModelSignature([], []),
            Scaling = scaling ?? new ScalingOptions(),
            Routing = routing,
            InstanceMemoryBytes = 64L << 20,
        };
        Spec = configure?.Invoke(spec) ?? spec;
        Controller = new FunctionController<string>(Spec, ControllerPolicies.Create(new PolicyCatalog(), Spec, PolicyNames.BestFit), Port, Time, new ControllerOptions { Decisions = Log, TenantMaxInstances = tenantMaxInstances });
    }

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time { get; } = new(T0);

    public RecordingPort Port { get; } = new();

    public DecisionLog Log { get; } = new(256);

    public FunctionSpec Spec { get; }

    public FunctionController<string> Controller { get; }

    public static RoutingContext Routing => new(null, null, new Random(7));

    public Admission<string> Admit(string request, TimeSpan? within = null) =>
        Controller.Admit(request, Time.GetUtcNow() + (within ?? TimeSpan.FromSeconds(30)), Routing);

    /// <summary>Starts and readies one instance (the test's node loaded it).</summary>
    public string Ready(string instanceId, double loadMs = 100) { Controller.InstanceReady(instanceId, new ColdStartReport("memory", 10, loadMs - 20, 10)); return instanceId; }

    public TickOutcome Tick(double concurrency = 0, int inFlight = 0, long arrivals = 0, params InstanceLoad[] instances) =>
        Controller.Tick(new LoadSample(concurrency, inFlight, arrivals, arrivals > 0 ? Time.GetUtcNow() : null, arrivals > 0 ? Time.GetUtcNow() : null, instances));

    public IEnumerable<string> Kinds => Log.ToArray().Select(e => e.Kind);
}
