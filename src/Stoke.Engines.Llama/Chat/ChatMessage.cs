namespace Stoke.Engines.Llama;

/// <summary>One turn of a chat: a role (<c>system</c>, <c>user</c>, <c>assistant</c>) and its text.</summary>
public sealed record ChatMessage(string Role, string Content);
