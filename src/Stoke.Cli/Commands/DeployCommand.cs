using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stoke.Abstractions.Functions;
using Stoke.Cli.Parsing;
using Stoke.Cli.Rendering;
using Stoke.Samples;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke deploy</c>: uploads a model file (or a sample) as a new version of a function.</summary>
public static class DeployCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string>("NAME") { Description = "Function name." };
        var model = new Option<FileInfo?>("--model") { Description = "Model file to upload (.onnx, .gguf).", HelpName = "FILE" };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "Tokenizer vocabulary (BERT vocab.txt) of a text encoder: the function then also answers /v1/embeddings. Samples bring theirs.", HelpName = "FILE" };
        var sample = new Option<string?>("--sample") { Description = "Deploy a bundled sample model instead of a file.", HelpName = "NAME" };
        sample.AcceptOnlyFromAmong([.. SampleModels.Names]);
        var engine = new Option<string?>("--engine") { Description = "Engine: onnx or llama (default: from the file's extension).", HelpName = "ENGINE" };
        engine.AcceptOnlyFromAmong("onnx", "llama");
        var batching = new Option<string?>("--batching") { Description = "Batching policy.", HelpName = "POLICY" };
        batching.AcceptOnlyFromAmong(PolicyNames.FixedBatching, PolicyNames.SloAdaptiveBatching);
        var autoscaler = new Option<string?>("--autoscaler") { Description = "Autoscaler.", HelpName = "POLICY" };
        autoscaler.AcceptOnlyFromAmong([.. Stoke.Policies.PolicyCatalog.Autoscalers]);
        var shadowAutoscaler = new Option<string?>("--shadow-autoscaler") { Description = "A candidate autoscaler run beside the live one, deciding nothing (stoke describe shows both).", HelpName = "POLICY" };
        shadowAutoscaler.AcceptOnlyFromAmong([.. Stoke.Policies.PolicyCatalog.Autoscalers]);
        var shadowKeepAlive = new Option<string?>("--shadow-keep-alive") { Description = "A candidate keep-alive policy run beside the live one, deciding nothing.", HelpName = "POLICY" };
        shadowKeepAlive.AcceptOnlyFromAmong([.. Stoke.Policies.PolicyCatalog.KeepAlives]);
        var keepAlive = new Option<string?>("--keep-alive") { Description = "Keep-alive policy.", HelpName = "POLICY" };
        keepAlive.AcceptOnlyFromAmong([.. Stoke.Policies.PolicyCatalog.KeepAlives]);
        var labels = OptionRules.KeyValues("--label", "Placement label key=value; repeatable.");

        // Option -> query key of POST /api/functions/{name} (src/Stoke.Gateway/Management/DeploySettings.cs).
        (Option Option, string Key)[] numbers =
        [
            (OptionRules.Int("--max-batch", "Largest batch per engine call (1: no batching).", 1), "maxBatchSize"),
            (OptionRules.Number("--max-delay-ms", "Longest a request waits for its batch to fill, ms."), "maxQueueDelayMs"),
            (OptionRules.Int("--min", "Instances kept even when idle."), "minInstances"),
            (OptionRules.Int("--max", "Most instances.", 1), "maxInstances"),
            (OptionRules.Number("--target-concurrency", "Requests in flight per instance the autoscaler aims for.", 0, exclusive: true), "targetConcurrency"),
            (OptionRules.Number("--keep-alive-seconds", "Idle time before an instance is released, s."), "keepAliveSeconds"),
            (OptionRules.Int("--max-queued", "Requests held while no instance is ready.", 1), "maxQueued"),
            (OptionRules.Int("--instance-concurrency", "Requests one instance takes at once before more wait in the controller (0: no limit)."), "instanceConcurrency"),
            (OptionRules.Number("--timeout-ms", "Default request deadline, ms.", 0, exclusive: true), "timeoutMs"),
            (OptionRules.Number("--memory-mb", "Memory one instance is expected to hold, MB."), "memoryMb"),
            (OptionRules.Number("--slo-ms", "Latency objective per request, ms.", 0, exclusive: true), "sloMs"),
            (OptionRules.Number("--stable-window-seconds", "Autoscaler's stable window, s.", 0, exclusive: true), "stableWindowSeconds"),
            (OptionRules.Number("--panic-window-seconds", "Autoscaler's panic window, s.", 0, exclusive: true), "panicWindowSeconds"),
            (OptionRules.Number("--price-per-gb-second", "Price per GB-second of instance memory."), "pricePerGbSecond"),
            (OptionRules.Number("--price-per-1k-input-tokens", "Price per 1,000 input tokens."), "pricePer1kInputTokens"),
            (OptionRules.Number("--price-per-1k-output-tokens", "Price per 1,000 output tokens."), "pricePer1kOutputTokens"),
        ];

        var routing = new Option<string?>("--routing") { Description = "Routing policy: which ready instance a request goes to.", HelpName = "POLICY" };
        routing.AcceptOnlyFromAmong(PolicyNames.LeastRequests, PolicyNames.PowerOfTwoChoices, PolicyNames.LocalFirst, PolicyNames.Affinity, PolicyNames.BinPack);
        var command = new Command("deploy", "Deploy a model as a new version of a function.") { name, model, vocab, sample, engine, batching, autoscaler, keepAlive, shadowAutoscaler, shadowKeepAlive, routing, labels };
        foreach (var (option, _) in numbers)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if ((r.GetResult(model) is null) == (r.GetResult(sample) is null))
            {
                r.AddError("deploy needs exactly one of --model FILE or --sample NAME.");
            }
        });

        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var (bytes, file, sampleVocab) = Load(result.GetValue(model), result.GetValue(sample));
            var vocabBytes = result.GetValue(vocab) is { } v
                ? (v.Exists ? File.ReadAllBytes(v.FullName) : throw new CliException($"Vocab file not found: {v.FullName}"))
                : sampleVocab;
            var settings = new List<KeyValuePair<string, string>> { new("file", file) };
            var engineName = result.GetValue(engine) ?? (file.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? "llama" : null);
            Add(settings, "engine", engineName);
            Add(settings, "batching", result.GetValue(batching));
            Add(settings, "autoscaler", result.GetValue(autoscaler));
            Add(settings, "keepAlive", result.GetValue(keepAlive));
            Add(settings, "shadowAutoscaler", result.GetValue(shadowAutoscaler));
            Add(settings, "shadowKeepAlive", result.GetValue(shadowKeepAlive));
            Add(settings, "routing", result.GetValue(routing));
            foreach (var (option, key) in numbers)
            {
                Add(settings, key, Format(result.GetResult(option)?.GetValueOrDefault<object?>()));
            }

            foreach (var label in result.GetValue(labels) ?? [])
            {
                settings.Add(new("label", label));
            }

            var spec = Api.Read<FunctionSpec>(await client.DeployAsync(result.GetValue(name)!, bytes, vocabBytes, settings, token));
            env.Console.MarkupLine($"[green]Deployed[/] {Markup.Escape(spec.Name)} version {spec.Version}.");
            env.Console.Write(SpecTables.Summary(spec));
            env.Console.Write(SpecTables.Signature(spec.Signature));
            return 0;
        }));
        return command;
    }

    // The model's bytes and file name, and a sample's own vocab (a text encoder sample deploys as an embedding function).
    private static (byte[] Bytes, string FileName, byte[]? Vocab) Load(FileInfo? model, string? sample)
    {
        if (model is not null)
        {
            if (!model.Exists)
            {
                throw new CliException($"Model file not found: {model.FullName}");
            }

            return (File.ReadAllBytes(model.FullName), model.Name, null);
        }

        SampleModel found;
        try
        {
            found = SampleModels.Get(sample!);
        }
        catch (SampleModelNotFoundException ex)
        {
            throw new CliException(ex.Message);
        }

        return (File.ReadAllBytes(found.ModelPath), found.Name + ".onnx", found.VocabPath is { } vocabPath ? File.ReadAllBytes(vocabPath) : null);
    }

    private static void Add(List<KeyValuePair<string, string>> settings, string key, string? value)
    {
        if (value is not null)
        {
            settings.Add(new(key, value));
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
