using System.Net;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>
/// The cluster's store stopped for several seconds and started again under steady inference load on two nodes
/// (<see cref="StoreOutage"/>, one run per class): no request is lost or answered 500, none outlives its deadline,
/// deploys work again soon after the store is back, and the bill counts every request answered.
/// </summary>
public abstract class StoreRestartTests<TOutage>(TOutage outage) : IClassFixture<TOutage>
    where TOutage : StoreOutage
{
    private OutageReport Report => outage.Report;

    [Fact]
    public void EveryRequestIsAnsweredCorrectlyOrRefusedWithRetryAfter()
    {
        var wrong = Report.Requests.Where(r => r.Status switch
        {
            HttpStatusCode.OK => !r.Correct,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests => !r.RetryAfter,
            _ => true,
        });

        Assert.True(!wrong.Any(), $"{string.Join("\n", wrong.Take(10))}\n{Report.Summary()}");
    }

    [Fact]
    public void NoRequestOutlivesItsDeadline()
    {
        var late = Report.Requests.Where(r => r.Took > StoreOutage.Deadline + StoreOutage.Slack || r.Status is null);

        Assert.True(!late.Any(), $"{string.Join("\n", late.Take(10))}\n{Report.Summary()}");
    }

    [Fact]
    public void RequestsSucceedAgainOnceTheStoreIsBack()
    {
        // Past the first deploy that worked again, every request is answered.
        var back = Report.StartedAt + (Report.FirstDeployBack?.At ?? StoreOutage.RecoverWithin);
        var refused = Report.Requests.Where(r => r.SentAt > back && r.Status != HttpStatusCode.OK);

        Assert.True(Report.Requests.Any(r => r.SentAt > back), Report.Summary());
        Assert.True(!refused.Any(), $"{string.Join("\n", refused.Take(10))}\n{Report.Summary()}");
    }

    [Fact]
    public void DeploysWorkAgainWithinTheBoundAfterTheStoreIsBack() =>
        Assert.True(Report.FirstDeployBack is not null, Report.Summary());

    [Fact]
    public void AColdStartDuringTheOutageServesOrIsRefusedWithRetryAfterWithinItsDeadline()
    {
        var cold = Report.ColdDuringOutage;
        var clear = cold.Status switch
        {
            HttpStatusCode.OK => cold.Correct,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests => cold.RetryAfter,
            _ => false,
        };

        Assert.True(clear && cold.Took <= StoreOutage.ColdDeadline + StoreOutage.Slack, Report.Summary());
    }

    [Fact]
    public void ADeployDuringTheOutageIsRefusedWithRetryAfter() =>
        Assert.True(Report.DuringOutage.Succeeded || (Report.DuringOutage.Status == HttpStatusCode.ServiceUnavailable && Report.DuringOutage.RetryAfter), Report.Summary());

    [Fact]
    public void ARefusedDeployRegistersNothingAndAnAcceptedOneServes() =>
        Assert.True(Report.DuringOutageAfterwards == (Report.DuringOutage.Succeeded ? "versions 1,2, serving" : "versions 1, serving"), Report.Summary());

    [Fact]
    public void UsageBillsEveryRequestAnsweredAndVerifies()
    {
        Assert.True(Report.Usage.Billed == Report.Answered, Report.Summary());
        Assert.True(Report.Verify["consistent"]!.GetValue<bool>(), Report.Verify.ToJsonString() + "\n" + Report.Summary());
    }
}

/// <summary>redis-server (persistent: an append-only file synced on each write) killed by its PID and started again.</summary>
public sealed class RedisRestartTests(RedisRestartTests.Outage outage) : StoreRestartTests<RedisRestartTests.Outage>(outage)
{
    public sealed class Outage : StoreOutage
    {
        private RedisServer _redis = null!;

        protected override async Task<Func<StokeHostSettings, StokeHostSettings>> StartStoreAsync()
        {
            _redis = await RedisServer.StartAsync(persistent: true);
            return s => s with { Redis = _redis.ConnectionString };
        }

        protected override Task StopStoreAsync() => _redis.KillAsync();

        protected override Task StartStoreAgainAsync() => _redis.StartAgainAsync();

        protected override ValueTask DisposeStoreAsync() => _redis.DisposeAsync();
    }
}

/// <summary>PostgreSQL stopped by its PID (fast shutdown) and started again on its data.</summary>
public sealed class PostgresRestartTests(PostgresRestartTests.Outage outage) : StoreRestartTests<PostgresRestartTests.Outage>(outage)
{
    public sealed class Outage : StoreOutage
    {
        private PostgresServer _postgres = null!;

        protected override async Task<Func<StokeHostSettings, StokeHostSettings>> StartStoreAsync()
        {
            _postgres = await PostgresServer.StartAsync();
            return s => s with { Postgres = _postgres.ConnectionString };
        }

        protected override Task StopStoreAsync() => _postgres.StopAsync();

        protected override Task StartStoreAgainAsync() => _postgres.StartAgainAsync();

        protected override ValueTask DisposeStoreAsync() => _postgres.DisposeAsync();
    }
}
