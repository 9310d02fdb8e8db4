namespace Stoke.Simulator.Traces;

/// <summary>Rejects a row that goes back in time: the simulator streams traces and cannot sort them.</summary>
internal struct OrderCheck
{
    private DateTimeOffset _last;

    /// <summary>True when the row may be used; false when it was out of order and lenient mode skipped it.</summary>
    public bool Accept(CsvTable table, DateTimeOffset arrival)
    {
        if (arrival < _last)
        {
            table.Fail($"row is out of time order ({arrival:O} is before the previous row's {_last:O}); sort the file by time");
            return false;
        }

        _last = arrival;
        return true;
    }
}
