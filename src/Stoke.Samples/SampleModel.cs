namespace Stoke.Samples;

/// <summary>A pretrained model on local disk, ready to hand to an engine; used by tests, demos and benchmarks.</summary>
/// <param name="Name">Short name used in specs and on the command line, e.g. <c>minilm</c>.</param>
/// <param name="ModelPath">Path of the <c>.onnx</c> file.</param>
/// <param name="VocabPath">Path of the tokenizer vocabulary for text models; null for others.</param>
/// <param name="Description">One line saying what the model is.</param>
public sealed record SampleModel(string Name, string ModelPath, string? VocabPath, string Description);
