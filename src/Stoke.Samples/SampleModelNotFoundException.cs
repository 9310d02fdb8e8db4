namespace Stoke.Samples;

/// <summary>A sample model's NuGet package is not on this machine; the message says how to get it.</summary>
public sealed class SampleModelNotFoundException(string message) : Exception(message);
