using System.Collections.Concurrent;
using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Deployment;

/// <summary>
/// The signatures of the models this node has loaded to validate a deploy, by engine and SHA-256 of the bytes. A
/// deploy of bytes already proven (thousands of functions on one model, a pipeline redeploying the same file) reads
/// the signature here instead of loading the model again: the load's time, and the native memory a session load and
/// unload leaves in the allocator, once per model instead of once per deploy. The same bytes on the same engine load
/// the same way, so nothing is skipped that could fail.
/// </summary>
internal sealed class ValidatedModels(int capacity = ValidatedModels.DefaultCapacity)
{
    public const int DefaultCapacity = 256;

    private readonly ConcurrentDictionary<(string Engine, string Sha256), ModelSignature> _signatures = new();

    public bool TryGet(string engine, string sha256, out ModelSignature signature) => _signatures.TryGetValue((engine, sha256), out signature!);

    public void Add(string engine, string sha256, ModelSignature signature)
    {
        // Bounded without bookkeeping: a node that validates more distinct models than this starts over.
        if (_signatures.Count >= capacity)
        {
            _signatures.Clear();
        }

        _signatures[(engine, sha256)] = signature;
    }
}
