using Microsoft.Extensions.Options;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>A tenant name that a function key or a state path would split on is refused when the node starts.</summary>
public sealed class TenantNameTests
{
    [Theory]
    [InlineData("acme/ops")]
    [InlineData("..")]
    [InlineData("a b")]
    public async Task NodeRefusesToStartWithATenantNameKeysWouldSplitOn(string tenant)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => EmbeddedStoke.StartAsync(gateway: g => g.ApiKeys =
        [
            new ApiKeyOptions { Key = "sk-long-enough-key", Tenant = tenant },
        ]));

        Assert.Contains("a tenant is 1-63 letters", error.Message, StringComparison.Ordinal);
    }
}
