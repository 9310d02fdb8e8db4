namespace Stoke.Simulator.Traces;

/// <summary>
/// Streams a comma-separated file one line at a time, mapping header names to column positions, and turns
/// each problem into a <see cref="TraceFormatException"/> (or a counted skip in lenient mode).
/// </summary>
internal sealed class CsvTable : IDisposable
{
    private readonly StreamReader _reader;
    private readonly TraceReadOptions _options;
    private readonly Dictionary<string, int> _columns = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _fields = [];
    private int _headerCount;

    public CsvTable(string path, TraceReadOptions options, bool hasHeader = true)
    {
        Path = path;
        _options = options;
        if (!System.IO.File.Exists(path))
        {
            throw new TraceFormatException(path, 0, "file not found");
        }

        _reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        if (hasHeader)
        {
            var header = _reader.ReadLine() ?? throw new TraceFormatException(path, 1, "file is empty (expected a header line)");
            LineNumber = 1;
            Split(header, _fields);
            for (var i = 0; i < _fields.Count; i++)
            {
                _columns[_fields[i].Trim()] = i;
            }

            _headerCount = _fields.Count;
        }
    }

    public string Path { get; }

    public long LineNumber { get; private set; }

    /// <summary>The current row's fields.</summary>
    public IReadOnlyList<string> Fields => _fields;

    /// <summary>Position of a required column; throws naming the file and the missing column.</summary>
    public int Require(string column) =>
        _columns.TryGetValue(column, out var i)
            ? i
            : throw new TraceFormatException(Path, 1, $"missing column '{column}' (header has: {string.Join(", ", _columns.Keys)})");

    /// <summary>Position of an optional column, or -1.</summary>
    public int Optional(string column) => _columns.TryGetValue(column, out var i) ? i : -1;

    /// <summary>Advances to the next non-empty row; false at the end of the file.</summary>
    public bool Next()
    {
        while (true)
        {
            var line = _reader.ReadLine();
            if (line is null)
            {
                return false;
            }

            LineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            Split(line, _fields);
            if (_headerCount > 0 && _fields.Count != _headerCount)
            {
                if (Fail($"expected {_headerCount} fields, found {_fields.Count}"))
                {
                    continue;
                }
            }

            return true;
        }
    }

    /// <summary>Reports a bad row: throws in strict mode, counts it and returns true (skip it) in lenient mode.</summary>
    public bool Fail(string problem)
    {
        var error = new TraceFormatException(Path, LineNumber, problem);
        if (!_options.Lenient)
        {
            throw error;
        }

        _options.Diagnostics.Skip(error);
        return true;
    }

    public void Dispose() => _reader.Dispose();

    // Trace files have no quoted commas; a plain split keeps the reader fast.
    private static void Split(string line, List<string> fields)
    {
        fields.Clear();
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == ',')
            {
                fields.Add(line[start..i]);
                start = i + 1;
            }
        }

        fields.Add(line[start..].TrimEnd('\r'));
    }
}
