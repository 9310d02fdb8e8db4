namespace Stoke.Samples;

/// <summary>Locates the repository's shared test models (<c>../shared/models</c>: PaddleOCR, Silero VAD, sample inputs).</summary>
public static class SharedModels
{
    /// <summary>
    /// Finds a <c>shared/models</c> folder in the current directory, the application's base directory, or any of
    /// their ancestors; <c>STOKE_SHARED_MODELS</c> overrides the search.
    /// </summary>
    public static bool TryFind(out string directory)
    {
        var configured = Environment.GetEnvironmentVariable("STOKE_SHARED_MODELS");
        if (!string.IsNullOrWhiteSpace(configured) && Directory.Exists(configured))
        {
            directory = Path.GetFullPath(configured);
            return true;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "models");
                if (Directory.Exists(candidate))
                {
                    directory = candidate;
                    return true;
                }
            }
        }

        directory = string.Empty;
        return false;
    }
}
