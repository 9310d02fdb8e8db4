using System.Globalization;

// A 3-node Stoke cluster on Redis, in the Aspire dashboard. Redis is an executable resource (redis-server on PATH), so
// no container runtime is needed. Each node is `stoke serve --redis` with its own ports and data folder; Aspire hands
// it OTEL_EXPORTER_OTLP_ENDPOINT, so its traces and metrics show in the dashboard (docs/observability.md).
var builder = DistributedApplication.CreateBuilder(args);

const int RedisPort = 6390;
var redis = builder.AddExecutable("redis", "redis-server", ".", "--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no");

for (var i = 1; i <= 3; i++)
{
    var port = 8080 + i;
    builder.AddProject<Projects.Stoke_Cli>($"stoke-{i}")
        .WithArgs(
            "serve",
            "--url", $"http://127.0.0.1:{port}",
            "--redis", $"127.0.0.1:{RedisPort}",
            "--data", Path.Combine(Path.GetTempPath(), $"stoke-apphost-node{i}"),
            "--silo-port", (11110 + i).ToString(CultureInfo.InvariantCulture),
            "--gateway-port", (30000 + i).ToString(CultureInfo.InvariantCulture))
        .WithHttpEndpoint(port: port, isProxied: false)
        .WithHttpHealthCheck("/v2/health/ready")
        .WaitFor(redis);
}

builder.Build().Run();
