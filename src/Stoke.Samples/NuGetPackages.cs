using System.Reflection;

namespace Stoke.Samples;

/// <summary>Finds restored NuGet packages: <c>NUGET_PACKAGES</c>, then the root this assembly was built against, then <c>~/.nuget/packages</c>.</summary>
internal static class NuGetPackages
{
    private const string BakedRootKey = "Stoke.NuGetPackageRoot";

    /// <summary>Candidate package roots in the order they are tried; duplicates and blanks removed.</summary>
    public static IReadOnlyList<string> Roots()
    {
        var roots = new List<string>();
        Add(roots, Environment.GetEnvironmentVariable("NUGET_PACKAGES"));
        Add(roots, BakedRoot());
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            Add(roots, Path.Combine(home, ".nuget", "packages"));
        }

        return roots;
    }

    /// <summary>The folder of one package version (NuGet lower-cases ids on disk).</summary>
    public static string Find(string id, string version, string modelName)
    {
        var roots = Roots();
        foreach (var root in roots)
        {
            var dir = Path.Combine(root, id.ToLowerInvariant(), version.ToLowerInvariant());
            if (Directory.Exists(dir))
            {
                return dir;
            }
        }

        throw new SampleModelNotFoundException(
            $"Sample model '{modelName}' needs NuGet package {id} {version}, which is not in any package folder " +
            $"({string.Join(", ", roots)}). Run `dotnet restore` on src/Stoke.Samples (it downloads the package).");
    }

    private static string? BakedRoot()
    {
        foreach (var attribute in typeof(NuGetPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (attribute.Key == BakedRootKey)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    private static void Add(List<string> roots, string? root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            return;
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!roots.Contains(full, StringComparer.Ordinal))
        {
            roots.Add(full);
        }
    }
}
