using System.Text.Json.Nodes;

namespace Stoke.Client;

/// <summary>
/// Reads a pipeline spec file for deploy: each <c>files</c> entry written <c>@PATH</c> (relative to the spec file) is
/// replaced by that file's text, since the server keeps a pipeline's files inline with its spec.
/// </summary>
public static class PipelineSpecFiles
{
    public static string Read(string specPath) => Inline(File.ReadAllText(specPath), specPath);

    /// <summary>Inlines the <c>@PATH</c> files of a spec's JSON (read from <paramref name="specPath"/>, or converted from it).</summary>
    public static string Inline(string specJson, string specPath)
    {
        var json = JsonNode.Parse(specJson, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })
            ?? throw new InvalidDataException($"{specPath} is empty");
        if (json["files"] is JsonObject files)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(specPath))!;
            foreach (var (name, value) in files.ToList())
            {
                if (value?.GetValue<string>() is { } text && text.StartsWith('@'))
                {
                    var path = Path.GetFullPath(Path.Combine(directory, text[1..]));
                    if (!File.Exists(path))
                    {
                        throw new FileNotFoundException($"files.{name} names {path}, which does not exist", path);
                    }

                    files[name] = File.ReadAllText(path);
                }
            }
        }

        return json.ToJsonString();
    }
}
