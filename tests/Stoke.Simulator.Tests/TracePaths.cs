namespace Stoke.Simulator.Tests;

/// <summary>Finds the shared real traces (../shared/traces from the repository root) or says clearly they are absent.</summary>
internal static class TracePaths
{
    private static readonly Lazy<string> Root = new(Find);

    public static string GenTd26 => Path.Combine(Root.Value, "alibaba_genai_2026");

    public static string ServeGenSmall => Path.Combine(Root.Value, "alibaba_servegen_2025", "data", "language", "m-small");

    public static string AzureLlm => Path.Combine(Root.Value, "azure_llm_2023", "AzureLLMInferenceTrace_conv.csv");

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("STOKE_TRACES");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "traces"), Path.Combine(dir.FullName, "..", "shared", "traces") })
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new InvalidOperationException(
            "The real traces are absent: expected ../shared/traces beside the repository (or set STOKE_TRACES). These tests replay real trace slices.");
    }
}
