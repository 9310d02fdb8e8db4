namespace Stoke.Runtime.Tests.Durability;

/// <summary>
/// A fault injector standing in for a full disk: the wrapped file takes <paramref name="bytesBeforeFull"/> bytes, then
/// every write throws the <see cref="IOException"/> .NET raises for <c>ENOSPC</c> (HResult 28), as a real full disk does
/// part way through a file.
/// </summary>
internal sealed class DiskFullFaultInjector(Stream inner, long bytesBeforeFull) : Stream
{
    private const int Enospc = 28;
    private long _written;

    public static Func<Stream, Stream> After(long bytes) => inner => new DiskFullFaultInjector(inner, bytes);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var room = (int)Math.Min(buffer.Length, Math.Max(0, bytesBeforeFull - _written));
        inner.Write(buffer[..room]);
        _written += room;
        if (room < buffer.Length)
        {
            throw new IOException("No space left on device : (fault injector)", Enospc);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
