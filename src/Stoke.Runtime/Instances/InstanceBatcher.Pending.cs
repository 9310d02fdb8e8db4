using System.Diagnostics;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Instances;

internal sealed partial class InstanceBatcher
{
    /// <summary>A queued request: what it asks, until when, and the completion its caller awaits.</summary>
    private sealed class PendingInference(InferenceRequest request, DateTimeOffset deadline, long enqueuedAt, CancellationToken cancellationToken)
    {
        public InferenceRequest Request { get; } = request;
        public DateTimeOffset Deadline { get; } = deadline;
        public long EnqueuedAt { get; } = enqueuedAt;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<InstanceInvocation> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The request's span on the node, when traced: the parent or a link of its batch's span.</summary>
        public Activity? Span { get; init; }

        public void Cancel() => Completion.TrySetCanceled(CancellationToken);
    }
}
