namespace Stoke.OpenInference;

/// <summary>One entry of a request's <c>outputs</c>: the output's name and whether it is wanted as raw binary data.</summary>
public sealed record OipRequestedOutput(string Name, bool BinaryData);
