using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Benchmarks.Support;
using Stoke.Engines.Onnx;

namespace Stoke.Benchmarks.Peers;

/// <summary>
/// The peer Stoke is measured against: what a .NET user writes instead of a serving platform. An ASP.NET Core minimal
/// API on Kestrel around the same engine session (<see cref="OnnxEngine"/>, same options as a node's), taking the same
/// Open Inference Protocol JSON body, deserialised and serialised with System.Text.Json; one engine call per request,
/// no batching, no queue, no control plane.
/// </summary>
internal sealed class PlainApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PlainApi(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<PlainApi> StartAsync(byte[] model, int intraOpThreads)
    {
        var session = new OnnxEngine().Load(model, DirectSession.Options(intraOpThreads));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.AddServerHeader = false).UseUrls("http://127.0.0.1:0");
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, PlainJson.Default));
        var app = builder.Build();
        app.MapPost("/v2/models/{name}/infer", (InferRequest request) =>
        {
            var inputs = request.Inputs.Select(i => new Tensor(i.Name, TensorDataType.Int64, i.Shape, MemoryMarshal.AsBytes(i.Data.AsSpan()).ToArray())).ToArray();
            var outputs = session.Run(inputs, request.Outputs?.Select(o => o.Name).ToArray());
            return new InferResponse(request.Id, [.. outputs.Select(o => new OutputTensor(o.Name, "FP32", o.Shape, MemoryMarshal.Cast<byte, float>(o.Data.AsSpan()).ToArray()))]);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PlainApi(app, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    internal sealed record InferRequest(string? Id, InputTensor[] Inputs, RequestedOutput[]? Outputs);

    internal sealed record InputTensor(string Name, long[] Shape, string Datatype, long[] Data);

    internal sealed record RequestedOutput(string Name);

    internal sealed record InferResponse(string? Id, OutputTensor[] Outputs);

    internal sealed record OutputTensor(string Name, string Datatype, long[] Shape, float[] Data);
}

/// <summary>Source-generated JSON for the peer, as a user would set it up for a minimal API.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PlainApi.InferRequest))]
[JsonSerializable(typeof(PlainApi.InferResponse))]
internal sealed partial class PlainJson : JsonSerializerContext;
