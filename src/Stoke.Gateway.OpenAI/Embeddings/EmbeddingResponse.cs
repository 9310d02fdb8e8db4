using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Stoke.Gateway.OpenAI.Embeddings;

/// <summary>
/// The <c>/v1/embeddings</c> response body, written straight from the vectors: one number per float (or one base64
/// string per vector) without a JSON node per value, in the order and form OpenAI's clients read.
/// </summary>
internal static class EmbeddingResponse
{
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<float[]> vectors, bool base64, string model, int tokens)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < vectors.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            if (base64)
            {
                json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
            }
            else
            {
                json.WriteStartArray("embedding");
                foreach (var v in vectors[i])
                {
                    json.WriteNumberValue(v);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("model", model);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", tokens);
        json.WriteNumber("total_tokens", tokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
