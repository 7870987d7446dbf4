using System.Text;
using Melos.Data.Corpus;
using Melos.Formats;
using Melos.Formats.MusicXml;

namespace Melos.Data.Sources;

/// <summary>
/// Reads one melody per MusicXML file (<c>.musicxml</c>, <c>.mxl</c>, and <c>.xml</c> files whose root is a MusicXML score):
/// the first part of the score (the soprano of a chorale, the melody of a lead sheet), reduced to its top line when it holds
/// chords or several voices, with ties merged, repeats played out, and its key, meters, tempi and chord symbols. A file the
/// reader cannot read is a parse error naming the line and column.
/// </summary>
public sealed class MusicXmlTuneSource : ITuneSource
{
    /// <inheritdoc/>
    /// <remarks><c>.xml</c> is a common ending: such a file is read only when its first few kilobytes hold a
    /// <c>score-partwise</c> or <c>score-timewise</c> element.</remarks>
    public bool CanRead(string path)
    {
        if (!MelodyFormat.MusicXml.Matches(path)) return false;
        if (!string.Equals(Path.GetExtension(path), ".xml", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new byte[8192];
            int n = fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var head = Encoding.UTF8.GetString(buffer, 0, n);
            return head.Contains("<score-partwise", StringComparison.Ordinal) || head.Contains("<score-timewise", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SourceTune> Read(string path, string relativeId)
    {
        MusicXmlReadResult result;
        try
        {
            result = MusicXmlReader.Load(path);
        }
        catch (MusicXmlFormatException e)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.ParseError, $"{e.Line}:{e.Column}: {e.Problem}; expected {e.Expected}")];
        }
        if (result.Melody.Notes.IsEmpty) return [SourceTune.Failed(relativeId, DiscardReason.NoMelody, "the first part has no notes")];
        return [SourceTune.Found(relativeId, result.Melody)];
    }
}
