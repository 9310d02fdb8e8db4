using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// The real ONNX engine driven by a test on fake time. Each request's run executes the model, then waits until the
/// test releases it once its <see cref="ServiceTime"/> has passed on the fake clock; each instance's load completes
/// when the test releases it. Tests of the server's control loop on fake time need requests that stay in flight while
/// fake time moves and loads that finish in a known order (ONNX Runtime itself finishes in real milliseconds while fake
/// time stands still); the model, its session and its outputs are the real ones.
/// </summary>
public sealed class ServiceTimeEngine(FakeTimeProvider time, TimeSpan serviceTime) : IInferenceEngine
{
    public const string EngineName = "onnx-timed";
    private readonly OnnxEngine _onnx = new();
    private readonly Lock _gate = new();
    private readonly List<Run> _running = [];
    private readonly Dictionary<string, ManualResetEventSlim> _loads = new(StringComparer.Ordinal);
    private int _started;
    private int _openSessions;
    private bool _stopping;

    public string Name => EngineName;

    public TimeSpan ServiceTime { get; } = serviceTime;

    /// <summary>Runs that have executed and wait for their service time to pass.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>Request runs the engine has started (warm-up runs at load excluded).</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Sessions of instances loaded and not yet disposed (the deploy's own load, which has no instance, excluded).</summary>
    public int OpenInstanceSessions => Volatile.Read(ref _openSessions);

    /// <summary>Instance loads waiting to be released.</summary>
    public IReadOnlyCollection<string> BlockedLoads
    {
        get
        {
            lock (_gate)
            {
                return [.. _loads.Keys];
            }
        }
    }

    public IModelSession Load(byte[] artifact, EngineLoadOptions options)
    {
        var session = new Session(this, _onnx.Load(artifact, options), options.InstanceId);
        if (options.InstanceId is { } instance)
        {
            var gate = new ManualResetEventSlim();
            lock (_gate)
            {
                if (_stopping)
                {
                    gate.Set();
                }
                else
                {
                    _loads[instance] = gate;
                }
            }

            gate.Wait();
            gate.Dispose();
            Interlocked.Increment(ref _openSessions);
        }

        return session;
    }

    /// <summary>Lets an instance's load finish.</summary>
    public void ReleaseLoad(string instanceId)
    {
        ManualResetEventSlim gate;
        lock (_gate)
        {
            if (!_loads.Remove(instanceId, out gate!))
            {
                throw new InvalidOperationException($"No load of {instanceId} is waiting.");
            }
        }

        gate.Set();
    }

    /// <summary>
    /// Lets one run whose service time has passed finish: the earliest due, and among runs due at the same instant
    /// the one on the instance started first (<paramref name="startOrder"/>), as the simulator orders them. False when none is due.
    /// </summary>
    public bool ReleaseNext(Func<string, int> startOrder)
    {
        Run? next;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            next = _running.Where(r => r.Until <= now).OrderBy(r => r.Until).ThenBy(r => startOrder(r.InstanceId)).FirstOrDefault();
            if (next is null)
            {
                return false;
            }

            _running.Remove(next);
        }

        next.Done.Set();
        return true;
    }

    /// <summary>Lets every waiting load and run finish, and any that comes later at once (the node is stopping).</summary>
    public void ReleaseAll()
    {
        List<ManualResetEventSlim> gates;
        lock (_gate)
        {
            _stopping = true;
            gates = [.. _loads.Values, .. _running.Select(r => r.Done)];
            _loads.Clear();
            _running.Clear();
        }

        foreach (var gate in gates)
        {
            gate.Set();
        }
    }

    private void Wait(string instanceId)
    {
        Interlocked.Increment(ref _started);
        var run = new Run(time.GetUtcNow() + ServiceTime, instanceId);
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _running.Add(run);
        }

        run.Done.Wait();
        run.Done.Dispose();
    }

    private sealed record Run(DateTimeOffset Until, string InstanceId)
    {
        public ManualResetEventSlim Done { get; } = new();
    }

    private sealed class Session(ServiceTimeEngine engine, IModelSession inner, string? instanceId) : IModelSession
    {
        private int _warmedUp;

        public ModelSignature Signature => inner.Signature;

        public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs)
        {
            var result = inner.Run(inputs, outputs);
            // The node's warm-up run at load is not a request: it takes no service time.
            if (instanceId is not null && Interlocked.Exchange(ref _warmedUp, 1) == 1)
            {
                engine.Wait(instanceId);
            }

            return result;
        }

        public void Dispose()
        {
            inner.Dispose();
            if (instanceId is not null)
            {
                Interlocked.Decrement(ref engine._openSessions);
            }
        }
    }
}
