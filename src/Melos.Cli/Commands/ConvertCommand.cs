using System.CommandLine;
using System.Globalization;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary>
/// <c>melos convert IN OUT</c>: a melody from a MIDI, ABC or MusicXML file into MIDI, ABC, MusicXML, WAV audio or a piano
/// roll PNG, each chosen by the file name ending.
/// </summary>
public static class ConvertCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = $"The melody to read: {string.Join(", ", FileArguments.Formats.ReadableEndings)}." };
        var output = new Argument<string>("OUT") { Description = $"The file to write: {string.Join(", ", FileArguments.Formats.WritableEndings)}." };
        var tune = new Option<int?>("--tune") { Description = "For ABC input: the tune's X: number (default: the first tune)." };
        var quantize = new Option<bool>("--quantize") { Description = "Snap notes and chords to sixteenths and eighth-note triplets first (for performed MIDI)." };
        var force = new Option<bool>("--force") { Description = "Overwrite OUT if it exists." };
        var files = new MelodyFileCliOptions();
        var cmd = new Command("convert", "Convert a melody between MIDI, ABC and MusicXML, or render it as WAV audio or a piano roll PNG.")
            { input, output, tune, quantize, force };
        files.AddTo(cmd);
        cmd.SetAction(pr => context.Guard(() =>
        {
            var inPath = pr.GetValue(input)!;
            var outPath = pr.GetValue(output)!;
            var formats = FileArguments.Formats;
            FileArguments.RequireFile(inPath);
            formats.ForReading(inPath); // an unreadable IN is named before OUT is looked at
            var outFormat = formats.ForWriting(outPath);
            if (Path.GetFullPath(inPath) == Path.GetFullPath(outPath)) throw new CliError("IN and OUT are the same file");
            var fileOptions = files.Read(pr);
            FileArguments.EnsureWritable([outPath], pr.GetValue(force));
            outFormat.CheckWrite(fileOptions);

            var melody = FileArguments.ReadMelody(inPath, pr.GetValue(tune), requireNotes: false);
            if (pr.GetValue(quantize)) melody = Quantize(melody);
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } dir) Directory.CreateDirectory(dir);
            formats.Write(outPath, melody, fileOptions);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {TerminalText.Escape(outPath)}: {melody.Notes.Length} notes, {melody.BarCount} bars, {melody.Key?.ToString() ?? "key unknown"}, {melody.Meter}"));
            return 0;
        }));
        return cmd;
    }

    /// <summary>The melody with notes on the default grid (sixteenths and eighth-note triplets) and chords snapped to it.</summary>
    public static Melody Quantize(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var grid = QuantizationGrid.Default;
        var performed = melody.Notes.Select(n => new PerformedNote(n.Pitch.Number, n.Start.ToQuarterDouble(), n.End.ToQuarterDouble(), n.Velocity));
        var (notes, _) = Quantizer.Quantize(performed, grid);
        var spelled = notes.Select(n => melody.Key is { } k ? n with { Pitch = n.Pitch.SpelledIn(k) } : n);
        var chords = melody.Chords.Select(c => c with { At = grid.Snap(c.At.ToQuarterDouble()) })
            .GroupBy(c => c.At).Select(g => g.Last()).OrderBy(c => c.At);
        var meters = melody.Meters.Select(m => m with { At = grid.Snap(m.At.ToQuarterDouble()) })
            .GroupBy(m => m.At).Select(g => g.Last()).OrderBy(m => m.At);
        var tempos = melody.Tempos.Select(t => new TempoChange(grid.Snap(t.At.ToQuarterDouble()), t.MicrosecondsPerQuarter));
        var length = grid.Snap(melody.Length.ToQuarterDouble());
        return Melody.Create(spelled, melody.Key, meters, tempos, chords, melody.Info, length);
    }
}
