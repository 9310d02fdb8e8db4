using Stoke.Client;
using Stoke.Samples;

namespace Stoke.Cli.Demo;

/// <summary>One sample the demo deploys: how it is configured and how one request to it is sent.</summary>
public sealed record DemoFunction(
    string Name,
    SampleModel Model,
    IReadOnlyList<KeyValuePair<string, string>> Settings)
{
    /// <summary>Sends one request; set once the function is deployed and its signature is known.</summary>
    public Func<StokeClient, Random, CancellationToken, Task<InferResponse>> Send { get; set; } =
        (_, _, _) => throw new InvalidOperationException("Deploy the function first.");

    public DemoStats Stats { get; } = new(Name);
}
