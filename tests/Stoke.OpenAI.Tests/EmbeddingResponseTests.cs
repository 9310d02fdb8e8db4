using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Embeddings;

namespace Stoke.OpenAI.Tests;

/// <summary>The embeddings body written from the vectors, against the same body built as JSON nodes.</summary>
public sealed class EmbeddingResponseTests
{
    private static readonly float[][] Vectors =
    [
        [0.1f, -0.25f, 1e-7f, float.Epsilon, -0f, 0.33333334f, 123456.79f],
        [1f, float.MaxValue, -float.MinValue, 2.5e-38f, 0.70710677f, -0.70710677f, 0f],
    ];

    [Fact]
    public void FloatsAreWrittenAsTheNodesWouldWriteThemByteForByte()
    {
        var written = Write(base64: false);

        var data = new JsonArray();
        for (var i = 0; i < Vectors.Length; i++)
        {
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = new JsonArray(Vectors[i].Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            });
        }

        var nodes = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = "minilm",
            ["usage"] = new JsonObject { ["prompt_tokens"] = 12, ["total_tokens"] = 12 },
        };
        Assert.Equal(nodes.ToJsonString(), written);
    }

    [Fact]
    public void Base64CarriesEachVectorsLittleEndianFloatsExactly()
    {
        var body = JsonNode.Parse(Write(base64: true))!;

        var data = body["data"]!.AsArray();
        Assert.Equal(Vectors.Length, data.Count);
        for (var i = 0; i < Vectors.Length; i++)
        {
            var bytes = Convert.FromBase64String(data[i]!["embedding"]!.GetValue<string>());
            Assert.Equal(Vectors[i], MemoryMarshal.Cast<byte, float>(bytes).ToArray());
            Assert.Equal(i, data[i]!["index"]!.GetValue<int>());
        }

        Assert.Equal(12, body["usage"]!["total_tokens"]!.GetValue<int>());
    }

    private static string Write(bool base64)
    {
        var buffer = new ArrayBufferWriter<byte>();
        EmbeddingResponse.Write(buffer, Vectors, base64, "minilm", 12);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
