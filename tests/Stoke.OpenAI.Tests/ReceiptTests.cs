using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stoke.OpenAI.Tests.Support;
using Stoke.Receipts;
using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.OpenAI.Tests;

/// <summary>Non-streaming /v1 answers carry a receipt over their exact bytes; streams carry none.</summary>
[Collection(OpenAICollection.Name)]
public sealed class ReceiptTests(OpenAIStoke stoke)
{
    private async Task<(byte[] Request, HttpResponseMessage Response, byte[] Body)> PostAsync(string path, JsonObject body)
    {
        using var http = stoke.Http();
        var request = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await http.PostAsync(path, content);
        return (request, response, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<ReceiptPublicKey> KeyAsync()
    {
        using var http = stoke.Http();
        var key = JsonNode.Parse(await http.GetStringAsync("/api/receipts/key"))!["publicKey"]!.GetValue<string>();
        return ReceiptPublicKey.Parse(key);
    }

    [Fact]
    public async Task ChatCompletionWithTwoChoicesHasAReceiptOverItsExactBodies()
    {
        var (request, response, body) = await PostAsync("/v1/chat/completions", new JsonObject
        {
            ["model"] = OpenAIStoke.Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
            ["max_tokens"] = 8,
            ["n"] = 2,
        });

        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(body));
        var check = ReceiptVerifier.Verify(response.Headers.GetValues(ReceiptBook.Header).Single(), await KeyAsync(), request, body, checkBodies: true);
        Assert.True(check.Valid, check.Problem);
        Assert.Equal(OpenAIStoke.Model, check.Receipt!.Receipt.Function);
    }

    [Fact]
    public async Task EmbeddingsHaveAReceiptOverTheirExactBodies()
    {
        await EmbeddingTests.DeployMiniLmAsync(stoke, "minilm");
        var (request, response, body) = await PostAsync("/v1/embeddings", new JsonObject { ["model"] = "minilm", ["input"] = "A receipt for this." });

        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(body));
        var check = ReceiptVerifier.Verify(response.Headers.GetValues(ReceiptBook.Header).Single(), await KeyAsync(), request, body, checkBodies: true);
        Assert.True(check.Valid, check.Problem);
    }

    [Fact]
    public async Task StreamedCompletionCarriesNoReceipt()
    {
        var (_, response, body) = await PostAsync("/v1/completions", new JsonObject
        {
            ["model"] = OpenAIStoke.Model,
            ["prompt"] = "Once upon a time",
            ["max_tokens"] = 4,
            ["stream"] = true,
        });

        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(body));
        Assert.EndsWith("data: [DONE]\n\n", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains(ReceiptBook.Header));
    }
}
