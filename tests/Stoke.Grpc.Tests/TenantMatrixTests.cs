using Grpc.Core;
using Inference;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>
/// Every method of <c>inference.GRPCInferenceService</c> (read from the service's descriptor, so a method added without
/// a rule here fails), called with no key, a wrong key, the owner's key (tenant acme, which deployed
/// <see cref="GrpcStoke.Model"/>), another tenant's and an operator's: only health is open, a missing or wrong key is
/// Unauthenticated, and a model of acme is NotFound to every other tenant, the operator's own included, as over REST
/// (docs/api.md, "Who may call what").
/// </summary>
[Collection(GrpcCollection.Name)]
public sealed class TenantMatrixTests(GrpcStoke stoke)
{
    private static readonly (string Who, string? Key)[] Callers =
        [("no key", null), ("a wrong key", "sk-stoke-grpc-nobody"), ("another tenant", GrpcStoke.OtherKey), ("an operator", GrpcStoke.OperatorKey), ("the owner", GrpcStoke.Key)];

    [Fact]
    public void EveryMethodOfTheServiceHasARule()
    {
        var methods = GRPCInferenceService.Descriptor.Methods.Select(m => m.Name).Order(StringComparer.Ordinal);

        Assert.Equal(methods, Rules().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EveryMethodAnswersEveryCallerByItsRuleAndNoTenantReachesAnothersModel()
    {
        var failures = new List<string>();
        foreach (var (method, (call, owned)) in Rules())
        {
            foreach (var (who, key) in Callers)
            {
                var expected = owned switch
                {
                    null => StatusCode.OK,
                    _ when key is null || key.StartsWith("sk-stoke-grpc-nobody", StringComparison.Ordinal) => StatusCode.Unauthenticated,
                    false => StatusCode.OK,
                    true => key == GrpcStoke.Key ? StatusCode.OK : StatusCode.NotFound,
                };
                var status = StatusCode.OK;
                try
                {
                    await call(key is null ? [] : GrpcStoke.Auth(key));
                }
                catch (RpcException e)
                {
                    status = e.StatusCode;
                }

                if (status != expected)
                {
                    failures.Add($"{method} with {who}: {status}, expected {expected}");
                }
            }
        }

        var after = await stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw(), GrpcStoke.Auth());

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(2, after.Outputs.Single().Shape[1]);
    }

    // Per method: the call, and whether it reaches the owner's model (true), needs a key only (false) or is open (null).
    private Dictionary<string, (Func<Metadata, Task> Call, bool? Owned)> Rules() => new(StringComparer.Ordinal)
    {
        ["ServerLive"] = (async m => await stoke.Grpc.ServerLiveAsync(new ServerLiveRequest(), m), null),
        ["ServerReady"] = (async m => await stoke.Grpc.ServerReadyAsync(new ServerReadyRequest(), m), null),
        ["ServerMetadata"] = (async m => await stoke.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), m), false),
        ["ModelReady"] = (async m => await stoke.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = GrpcStoke.Model }, m), true),
        ["ModelMetadata"] = (async m => await stoke.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = GrpcStoke.Model }, m), true),
        ["ModelInfer"] = (async m => await stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw(), m), true),
    };
}
