namespace Stoke.Gateway.Auth;

/// <summary>
/// What a tenant may be called: it is part of every function key (<c>tenant/name</c>), of grain keys and of state
/// paths, so 1-63 letters, digits, <c>.</c>, <c>_</c> or <c>-</c>, starting with a letter or digit (no <c>/</c>, no
/// <c>..</c>, nothing a path or a key would split on).
/// </summary>
public static class TenantNames
{
    public const string Rule = "a tenant is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? tenant) =>
        tenant is { Length: > 0 and <= 63 } && char.IsAsciiLetterOrDigit(tenant[0])
        && tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
