using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real Prometheus on a free loopback port, scraping one node's <c>/metrics</c> every second, started by the test and
/// stopped by its PID. CI installs it with apt (.ci/run); without it the test fails with a message saying so.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly Process _process;
    private readonly HttpClient _http;

    private PrometheusServer(string dir, Process process, Uri address)
    {
        _dir = dir;
        _process = process;
        _http = new HttpClient { BaseAddress = address };
    }

    public static async Task<PrometheusServer> StartAsync(Uri target)
    {
        var exe = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed: run 'apt-get install -y prometheus' (.ci/run does).");
        var dir = Directory.CreateTempSubdirectory("stoke-prometheus-").FullName;
        var config = Path.Combine(dir, "prometheus.yml");
        // The scrape job as docs/observability.md gives it, with a 1 s interval so that a test sees a rate quickly.
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: stoke
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target.Authority}"]
            """);
        var port = FreePorts.Next();
        var process = Process.Start(new ProcessStartInfo(
            exe, $"--config.file={config} --storage.tsdb.path={Path.Combine(dir, "data")} --web.listen-address=127.0.0.1:{port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(dir, process, new Uri($"http://127.0.0.1:{port}"));
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>An instant PromQL query through the HTTP API; the first sample's value, or null when the result is empty.</summary>
    public async Task<double?> QueryAsync(string promql)
    {
        var json = JsonNode.Parse(await _http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(promql)))!;
        if (json["status"]!.GetValue<string>() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused {promql}: {json}");
        }

        var result = json["data"]!["result"]!.AsArray();
        return result.Count == 0 ? null : double.Parse(result[0]!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    /// <summary>The health of the scrape target as Prometheus saw it last (<c>up</c>, <c>down</c>, <c>unknown</c>).</summary>
    public async Task<string> TargetHealthAsync()
    {
        var json = JsonNode.Parse(await _http.GetStringAsync("api/v1/targets"))!;
        return json["data"]!["activeTargets"]!.AsArray().Select(t => t!["health"]!.GetValue<string>()).FirstOrDefault() ?? "none";
    }

    private async Task WaitReadyAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode} at start.");
            }

            try
            {
                using var response = await _http.GetAsync("-/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("prometheus did not become ready in 20 s.");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
