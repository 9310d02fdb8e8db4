namespace Stoke.Engines.Llama.Tests;

[Collection(ModelCollection.Name)]
public sealed class ChatTemplateTests(ModelFixture fixture)
{
    private static readonly ChatMessage[] Chat =
        [new("system", "You tell stories."), new("user", "Tell me about a cat.")];

    [Fact]
    public void ModelWithoutTemplateUsesDocumentedFallback()
    {
        Assert.False(fixture.Model.HasChatTemplate);

        var prompt = fixture.Model.ChatTemplate.Render(Chat);

        Assert.Equal("System: You tell stories.\nUser: Tell me about a cat.\nAssistant:", prompt);
    }

    [Fact]
    public void EmptyChatIsRejected() =>
        Assert.Throws<ArgumentException>(() => fixture.Model.ChatTemplate.Render([]));
}
