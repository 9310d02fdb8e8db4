using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Stoke.Benchmarks.Soak;

// The requests the mix sends: deploys, OIP JSON and binary inputs, token inputs.
internal sealed partial class SoakMix
{
    private static HttpRequestMessage Deploy(string name, byte[] model, byte[]? vocab, (string Key, string Value)[] settings)
    {
        var query = string.Join("&", settings.Select(s => Uri.EscapeDataString(s.Key) + "=" + Uri.EscapeDataString(s.Value)));
        var modelContent = new ByteArrayContent(model);
        modelContent.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        HttpContent content = modelContent;
        if (vocab is not null)
        {
            var vocabContent = new ByteArrayContent(vocab);
            vocabContent.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            content = new MultipartFormDataContent { { modelContent, "model", "model.onnx" }, { vocabContent, "vocab", "vocab.txt" } };
        }

        return new HttpRequestMessage(HttpMethod.Post, $"api/functions/{name}?{query}") { Content = content };
    }

    private static HttpRequestMessage Json(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage OipJson(string function, string body) => Json($"v2/models/{function}/infer", body);

    /// <summary>Zeros shaped by the signature (free dimensions 1) in the binary extension: JSON header, then raw tensors.</summary>
    private static byte[] BinaryZeros(JsonArray inputs, out int headerLength)
    {
        var tail = new MemoryStream();
        var described = new JsonArray();
        foreach (var input in inputs)
        {
            var shape = input!["shape"]!.AsArray().Select(d => Math.Max(1, d!.GetValue<long>())).ToArray();
            var wide = input["dataType"]!.ToString().Contains("64", StringComparison.Ordinal);
            var size = shape.Aggregate(1L, (a, d) => a * d) * (wide ? 8 : 4);
            tail.Write(new byte[size]);
            described.Add(new JsonObject
            {
                ["name"] = input["name"]!.GetValue<string>(),
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["datatype"] = wide ? "INT64" : "FP32",
                ["parameters"] = new JsonObject { ["binary_data_size"] = size },
            });
        }

        var header = Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = described }.ToJsonString());
        headerLength = header.Length;
        return [.. header, .. tail.ToArray()];
    }

    /// <summary>One sequence of <see cref="Tokens"/> BERT ids as JSON tensors: ids for <c>input_ids</c>, ones for the mask, zeros for the type ids.</summary>
    private static string TokenJson(JsonArray inputs)
    {
        var described = new JsonArray();
        foreach (var input in inputs)
        {
            var name = input!["name"]!.GetValue<string>();
            IEnumerable<long> data = name.Contains("mask", StringComparison.Ordinal) ? Enumerable.Repeat(1L, Tokens)
                : name.Contains("type", StringComparison.Ordinal) ? Enumerable.Repeat(0L, Tokens)
                : [101, .. Enumerable.Range(0, Tokens - 2).Select(i => 2000L + (i * 37)), 102];
            described.Add(new JsonObject
            {
                ["name"] = name,
                ["shape"] = new JsonArray(1, Tokens),
                ["datatype"] = "INT64",
                ["data"] = new JsonArray(data.Select(d => (JsonNode)d).ToArray()),
            });
        }

        return new JsonObject { ["inputs"] = described }.ToJsonString();
    }
}
