using System.Buffers.Binary;
using Stoke.Durability;
using Stoke.Receipts.Format;

namespace Stoke.Receipts.Chains;

/// <summary>
/// One tenant's chain on disk: its signed receipts appended in order, each behind a 4-byte big-endian length. An
/// append reaches the OS before the response is sent, so a killed process keeps its chain head; past
/// <c>2 x retained</c> records the file is rewritten with the last <c>retained</c> ones (temporary name, fsync,
/// rename). A record cut short by a crash is dropped when the file is read back. A null path keeps nothing on disk.
/// </summary>
internal sealed class ReceiptJournal(string? path, int retained)
{
    private int _records;

    /// <summary>
    /// Reads the records back, oldest first. A torn last record (a crash mid-append) is dropped and the file rewritten
    /// without it; a record that is not one (a bad length or encoding before the end) stops the read, and
    /// <paramref name="damaged"/> says where, for the chain to set the file aside.
    /// </summary>
    public List<SignedReceipt> Load(out string? damaged)
    {
        damaged = null;
        var loaded = new List<SignedReceipt>();
        if (path is null || !File.Exists(path))
        {
            return loaded;
        }

        var bytes = File.ReadAllBytes(path);
        var offset = 0;
        while (offset + 4 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            if (length > 0 && offset + 4 + length > bytes.Length)
            {
                break; // torn: the append was cut short
            }

            try
            {
                loaded.Add(length > 0 ? ReceiptEncoding.Decode(bytes.AsSpan(offset + 4, length)) : throw new FormatException("a record of length " + length));
            }
            catch (FormatException e)
            {
                damaged = $"byte {offset} is not a receipt record ({e.Message})";
                return loaded;
            }

            offset += 4 + length;
        }

        _records = loaded.Count;
        if (offset != bytes.Length)
        {
            Rewrite(loaded);
        }

        return loaded;
    }

    /// <summary>
    /// Moves the file aside (<c>.rejected-</c> and the time, kept for an audit) and starts it again with
    /// <paramref name="trusted"/>; returns the name it was moved to.
    /// </summary>
    public string SetAside(IReadOnlyList<SignedReceipt> trusted, DateTimeOffset now)
    {
        var aside = path + ".rejected-" + now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.Move(path!, aside);
        Rewrite(trusted);
        return aside;
    }

    public void Append(SignedReceipt receipt, Func<IReadOnlyList<SignedReceipt>> recent)
    {
        if (path is null)
        {
            return;
        }

        if (_records >= 2 * retained)
        {
            Rewrite([.. recent(), receipt]);
            return;
        }

        var bytes = receipt.ToBytes();
        var record = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(record, bytes.Length);
        bytes.CopyTo(record, 4);
        using (var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            var before = file.Length;
            try
            {
                file.Write(record);
                file.Flush();
            }
            catch (IOException)
            {
                // A full disk may take part of the record: cut it off, so the next append does not follow garbage.
                TryTruncate(file, before);
                throw;
            }
        }

        _records++;
    }

    private static void TryTruncate(FileStream file, long length)
    {
        try
        {
            file.SetLength(length);
        }
        catch (IOException)
        {
            // The load tolerates a half-written last record; nothing more can be done here.
        }
    }

    private void Rewrite(IReadOnlyList<SignedReceipt> records)
    {
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var r in records.Skip(Math.Max(0, records.Count - retained)))
        {
            var bytes = r.ToBytes();
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        // The chains are not secret but hold tenants' records: owner and group only.
        DurableFile.WriteAllBytes(path!, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        _records = Math.Min(records.Count, retained);
    }
}
