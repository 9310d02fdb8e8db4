using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Cli.Rendering;
using Stoke.Cli.Text;
using Stoke.Client;
using Stoke.Samples;

namespace Stoke.Cli.Demo;

/// <summary>The three sample functions of the demo, deployed through the management API like any user's model.</summary>
public static class DemoSetup
{
    /// <summary>Token length every text request is padded to, so requests from different clients batch together.</summary>
    public const int TokenLength = 16;

    private static readonly string[] Sentences =
    [
        "Serverless inference scales to zero when idle.",
        "A burst of requests arrives within seconds.",
        "Cold starts load the model from the fastest tier.",
        "Batching merges requests into one engine call.",
        "The autoscaler adds instances under load.",
        "Keep-alive decides when an idle instance goes.",
        "Usage records make cost follow use.",
        "Orleans grains route every request.",
    ];

    public static IReadOnlyList<DemoFunction> Functions()
    {
        IReadOnlyList<KeyValuePair<string, string>> Text() =>
        [
            new("batching", PolicyNames.FixedBatching), new("maxBatchSize", "16"), new("maxQueueDelayMs", "5"),
            new("keepAliveSeconds", "15"), new("targetConcurrency", "4"), new("maxInstances", "3"), new("timeoutMs", "10000"),
            // A minute-long demo needs short autoscaler windows to show scale-down and scale-to-zero (defaults: 60 s / 6 s).
            new("stableWindowSeconds", "8"), new("panicWindowSeconds", "2"),
        ];
        try
        {
            return
            [
                new("minilm", SampleModels.MiniLm, Text()),
                new("arctic-xs", SampleModels.ArcticXs, Text()),
                new("resnet18", SampleModels.ResNet18, [new("maxBatchSize", "1"), new("keepAliveSeconds", "10"), new("maxInstances", "2"), new("timeoutMs", "10000"), new("stableWindowSeconds", "8")]),
            ];
        }
        catch (SampleModelNotFoundException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    /// <summary>Deploys the function and prepares its request bodies from the signature the server reports.</summary>
    public static async Task DeployAsync(StokeClient client, DemoFunction function, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(function.Model.ModelPath, ct);
        var settings = function.Settings.Append(new("file", function.Model.Name + ".onnx"));
        // Text encoders deploy with their vocab, so they answer /v1/embeddings too.
        var vocabBytes = function.Model.VocabPath is { } path ? await File.ReadAllBytesAsync(path, ct) : null;
        var spec = Api.Read<FunctionSpec>(await client.DeployAsync(function.Name, bytes, vocabBytes, settings, ct));
        if (function.Model.VocabPath is { } vocab)
        {
            var text = new TextRequests(vocab, spec.Signature, TokenLength);
            var bodies = Sentences.Select(s => text.Json([s])).ToArray();
            function.Send = (c, rng, token) => c.InferAsync(function.Name, bodies[rng.Next(bodies.Length)], cancellationToken: token);
        }
        else
        {
            var (header, tail) = RandomImage(spec.Signature.Inputs[0]);
            function.Send = (c, _, token) => c.InferBinaryAsync(function.Name, header, tail, cancellationToken: token);
        }
    }

    // A random [1,3,224,224] FP32 image in the binary extension: raw little-endian floats after a JSON header.
    private static (string Header, byte[] Tail) RandomImage(TensorSpec input)
    {
        var shape = input.Shape.Select(d => d < 0 ? 1 : d).ToArray();
        var count = (int)TensorShape.ElementCount(shape);
        var rng = new Random(42);
        var tail = new byte[count * sizeof(float)];
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(tail.AsSpan(i * sizeof(float)), rng.NextSingle());
        }

        var dims = string.Join(",", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var header = $$$"""{"inputs":[{"name":"{{{input.Name}}}","shape":[{{{dims}}}],"datatype":"FP32","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""";
        return (header, tail);
    }
}
