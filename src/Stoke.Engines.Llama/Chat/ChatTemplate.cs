using System.Text;
using LLama;

namespace Stoke.Engines.Llama;

/// <summary>
/// Turns chat messages into one prompt. Uses the template in the GGUF metadata (<c>tokenizer.chat_template</c>)
/// when llama.cpp recognises it; otherwise the documented fallback of <see cref="RenderFallback"/>.
/// </summary>
public sealed class ChatTemplate
{
    private readonly string? _source;

    private ChatTemplate(string? source) => _source = source;

    /// <summary>True when prompts are rendered with the model's own template, false for the fallback.</summary>
    public bool FromModel => _source is not null;

    /// <summary>The fallback, used for models without a (recognised) template: role-labelled lines.</summary>
    public static ChatTemplate Fallback { get; } = new(null);

    /// <summary>Renders the conversation and opens the assistant's turn, ready for generation.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new ArgumentException("A chat needs at least one message.", nameof(messages));
        }

        return _source is null ? RenderFallback(messages) : RenderWithModelTemplate(_source, messages);
    }

    /// <summary>
    /// <c>System: ...</c>, <c>User: ...</c>, <c>Assistant: ...</c> lines (role capitalised), each ending in a newline,
    /// then <c>Assistant:</c> so the model writes the next turn.
    /// </summary>
    public static string RenderFallback(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder();
        foreach (var m in messages)
        {
            sb.Append(RoleLabel(m.Role)).Append(": ").Append(m.Content).Append('\n');
        }

        return sb.Append("Assistant:").ToString();
    }

    internal static ChatTemplate For(LLamaWeights weights)
    {
        if (!weights.Metadata.TryGetValue(LlamaModel.ChatTemplateMetadataKey, out var source) || string.IsNullOrWhiteSpace(source))
        {
            return Fallback;
        }

        // llama.cpp applies only the templates it recognises (no general Jinja); probe once, fall back if it cannot.
        try
        {
            RenderWithModelTemplate(source, [new ChatMessage("user", "hi")]);
            return new ChatTemplate(source);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fallback;
        }
    }

    private static string RenderWithModelTemplate(string source, IReadOnlyList<ChatMessage> messages)
    {
        var template = new LLamaTemplate(source) { AddAssistant = true };
        foreach (var m in messages)
        {
            template.Add(m.Role, m.Content);
        }

        return Encoding.UTF8.GetString(template.Apply());
    }

    private static string RoleLabel(string role) =>
        string.IsNullOrEmpty(role) ? "User" : char.ToUpperInvariant(role[0]) + role[1..];
}
