using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// Sends pre-built OIP gRPC requests (a client generated from the KServe proto, Grpc.Net.Client) to one node's gRPC
/// listener over loopback HTTP/2, raw contents in and out: gRPC's counterpart of the REST binary extension.
/// </summary>
internal sealed class GrpcInferClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;

    public GrpcInferClient(Uri server)
    {
        _channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
            MaxReceiveMessageSize = null,
        });
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>The MiniLM input as a gRPC request: raw int64 contents, or typed <c>int64_contents</c>.</summary>
    public static ModelInferRequest Request(string function, MiniLmInputs input, bool raw)
    {
        var request = new ModelInferRequest { ModelName = function };
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = MiniLmInputs.OutputName });
        foreach (var (name, tensor) in MiniLmInputs.InputNames.Zip(input.ToTensors()))
        {
            var wire = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "INT64", Shape = { tensor.Shape } };
            if (raw)
            {
                request.RawInputContents.Add(ByteString.CopyFrom(tensor.Data));
            }
            else
            {
                wire.Contents = new InferTensorContents { Int64Contents = { System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensor.Data).ToArray() } };
            }

            request.Inputs.Add(wire);
        }

        return request;
    }

    /// <summary>One infer call; OK and the batch size the node reports, or not OK for any refusal.</summary>
    public async Task<(bool Ok, int BatchSize)> InferAsync(ModelInferRequest request)
    {
        try
        {
            using var call = _client.ModelInferAsync(request);
            await call.ResponseAsync;
            var headers = await call.ResponseHeadersAsync;
            return (true, int.TryParse(headers.GetValue("stoke-batch-size"), System.Globalization.CultureInfo.InvariantCulture, out var b) ? b : 0);
        }
        catch (RpcException)
        {
            return (false, 0);
        }
    }

    /// <summary>Infers and throws unless the call succeeded, for warm-ups and checks.</summary>
    public async Task InferOkAsync(ModelInferRequest request) => await _client.ModelInferAsync(request);

    public void Dispose() => _channel.Dispose();
}
