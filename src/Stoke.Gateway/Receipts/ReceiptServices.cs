using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Receipts;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;

namespace Stoke.Gateway.Receipts;

/// <summary>Registers the node's receipt book from <c>Stoke:Receipts</c>, its key and chains under the node's data folder.</summary>
internal static class ReceiptServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddOptions<ReceiptOptions>().BindConfiguration(ReceiptOptions.Section)
            .Validate(o => o.Retained is >= 1 and <= ReceiptOptions.MaxRetained, $"{ReceiptOptions.Section}:Retained must be 1 to {ReceiptOptions.MaxRetained}.")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ReceiptOptions>>().Value;
            if (!options.Enabled)
            {
                return new GatewayReceipts(null, sp.GetRequiredService<ILogger<GatewayReceipts>>());
            }

            var directory = options.Directory ?? Path.Combine(sp.GetRequiredService<IOptions<StokeNodeOptions>>().Value.DataDirectory, "receipts");
            var logger = sp.GetRequiredService<ILogger<GatewayReceipts>>();
            return new GatewayReceipts(
                new ReceiptBook(directory, sp.GetRequiredService<NodeIdentity>().NodeId, options.Retained, sp.GetRequiredService<TimeProvider>(),
                    rejected: problem => GatewayReceipts.ChainRejected(logger, problem)),
                logger);
        });
    }
}
