using Melos.Data.Corpus;
using Melos.Formats;
using Melos.Formats.Abc;

namespace Melos.Data.Sources;

/// <summary>
/// Reads every tune of an ABC file as performed (repeats, endings and parts expanded), with its chord symbols, key, meter,
/// tempo and header fields. A tune the reader cannot read is a parse error with its file, tune number, line and column;
/// the other tunes of the file still load.
/// </summary>
public sealed class AbcTuneSource : ITuneSource
{
    /// <inheritdoc/>
    public bool CanRead(string path) => MelodyFormat.Abc.Matches(path);

    /// <inheritdoc/>
    public IEnumerable<SourceTune> Read(string path, string relativeId)
    {
        AbcLoadResult result;
        try
        {
            result = AbcReader.Load(path);
        }
        catch (AbcLimitException e)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.OverLimit, e.Message)];
        }
        // Keep file order: tunes read and tunes skipped interleaved by line.
        var items = new List<(int Line, SourceTune Tune)>();
        foreach (var t in result.Tunes)
            items.Add((t.Line, SourceTune.Found($"{relativeId}#{t.Number}", t.Melody)));
        foreach (var s in result.Skipped)
        {
            var r = s.Reason;
            var id = $"{relativeId}#{s.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "line" + s.Line}";
            items.Add((s.Line, SourceTune.Failed(id, r is AbcLimitException ? DiscardReason.OverLimit : DiscardReason.ParseError, $"{r.Line}:{r.Column}: {r.Message}")));
        }
        return items.OrderBy(i => i.Line).Select(i => i.Tune);
    }
}
