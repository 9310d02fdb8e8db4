using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.AI;
using Stoke.Cli.Tests.Support;
using Stoke.Client;
using Stoke.Samples;

namespace Stoke.Cli.Tests;

/// <summary>
/// The packages as users get them: the <c>stoke</c> .NET tool packed, installed from a local folder and run (help, then a
/// node serving a GGUF and an ONNX function with the native engines inside the package), and the Stoke.Client package.
/// </summary>
public sealed class ToolPackageTests(ToolPackage tool) : IClassFixture<ToolPackage>
{
    [Fact]
    public async Task InstalledToolHelpListsServeDeployAndSim()
    {
        var help = await tool.RunAsync(tool.Stoke, ["--help"]);

        Assert.All(new[] { "serve", "deploy", "sim" }, command =>
            Assert.Matches($@"(?m)^\s+{command}\b", help));
    }

    [Fact]
    public void ToolPackageCarriesTheLinuxX64NativeEnginesAndNoMobileOnes()
    {
        using var package = ZipFile.OpenRead(Path.Combine(tool.Packages, $"stoke.{ToolPackage.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libonnxruntime.so", entries);
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/avx2/libllama.so", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("tools/net10.0/any/runtimes/android/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InstalledToolServesAGgufAndAnOnnxFunctionWithItsPackagedEngines()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        var info = new ProcessStartInfo(tool.Stoke) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "serve", "--url", url.ToString().TrimEnd('/'), "--data", Path.Combine(tool.Root, "data"), "--silo-port", Port(), "--gateway-port", Port() })
        {
            info.ArgumentList.Add(argument);
        }

        using var node = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler keep = (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Stoke node listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        node.OutputDataReceived += keep;
        node.ErrorDataReceived += keep;
        node.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"stoke serve exited before it listened:\n{output}"));
        node.Start();
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
            using var http = new HttpClient { BaseAddress = url };
            using var ready = await http.GetAsync("/v2/health/ready");
            using var client = new StokeClient(url);
            await client.DeployAsync("stories", await File.ReadAllBytesAsync(StoriesPath), new Dictionary<string, string> { ["engine"] = "llama", ["file"] = "stories260K.gguf" });
            await client.DeployAsync("minilm", await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath), await File.ReadAllBytesAsync(SampleModels.MiniLm.VocabPath!));
            using var chat = new StokeChatClient(url, "stories");
            using var embedder = new StokeEmbeddingGenerator(url, "minilm");

            var story = await chat.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 8, Temperature = 0 });
            var embedding = await embedder.GenerateAsync(["A cat sits on the mat."]);

            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.False(string.IsNullOrWhiteSpace(story.Text), "llama.cpp from the package generated nothing");
            Assert.Equal(384, embedding[0].Vector.Length);
        }
        finally
        {
            await StopAsync(node);
        }

        static string Port() => FreePort().ToString(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ClientPackageHasTheLibraryAndDependsOnMicrosoftExtensionsAI()
    {
        var nupkg = await tool.PackAsync("src/Stoke.Client/Stoke.Client.csproj");
        using var package = ZipFile.OpenRead(nupkg);
        await using var nuspecStream = package.GetEntry("Stoke.Client.nuspec")!.Open();
        var nuspec = await XDocument.LoadAsync(nuspecStream, LoadOptions.None, default);
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id")).ToList();

        Assert.NotNull(package.GetEntry("lib/net10.0/Stoke.Client.dll"));
        Assert.Contains("Microsoft.Extensions.AI.Abstractions", dependencies);
        Assert.Contains("Stoke.Abstractions", dependencies);
    }

    private static string StoriesPath => SharedModels.TryFind(out var dir)
        ? Path.Combine(dir, "llm", "stories260K.gguf")
        : throw new InvalidOperationException("The tool test needs the shared stories260K GGUF (../shared/models/llm).");

    /// <summary>SIGTERM to the node's own PID, as Ctrl+C; SIGKILL if it has not stopped within 30 s.</summary>
    private static async Task StopAsync(Process node)
    {
        if (node.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", node.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await node.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
