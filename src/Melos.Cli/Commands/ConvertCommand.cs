using System.CommandLine;
using System.Globalization;
using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
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
        var input = new Argument<string>("IN") { Description = "The melody to read: .mid/.midi, .abc, or .musicxml/.xml/.mxl." };
        var output = new Argument<string>("OUT") { Description = "The file to write: .mid, .abc, .musicxml/.xml/.mxl, .wav or .png." };
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
            if (!File.Exists(inPath)) throw new CliError($"file not found: {inPath}");
            var inFormat = MelodyFiles.FormatOf(inPath);
            if (inFormat is not (MelodyFormat.Mid or MelodyFormat.Abc or MelodyFormat.MusicXml))
                throw new CliError($"cannot read '{Path.GetExtension(inPath)}' files; read .mid, .midi, .abc, .musicxml, .xml or .mxl");
            var outFormat = MelodyFiles.FormatOf(outPath)
                ?? throw new CliError($"cannot write '{Path.GetExtension(outPath)}' files; write .mid, .abc, .musicxml, .mxl, .wav or .png");
            if (Path.GetFullPath(inPath) == Path.GetFullPath(outPath)) throw new CliError("IN and OUT are the same file");
            if (pr.GetValue(tune) is not null && inFormat != MelodyFormat.Abc) throw new CliError("--tune is for ABC input files");
            var fileOptions = files.Read(pr);
            MelodyFiles.EnsureWritable([outPath], pr.GetValue(force));
            MelodyFiles.CheckTools([outFormat], fileOptions);

            var melody = inFormat switch
            {
                MelodyFormat.Mid => MidiMelody.Read(inPath),
                MelodyFormat.Abc => AbcReader.LoadTune(inPath, pr.GetValue(tune)).Melody,
                _ => MusicXmlReader.Load(inPath).Melody,
            };
            if (pr.GetValue(quantize)) melody = Quantize(melody);
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } dir) Directory.CreateDirectory(dir);
            MelodyFiles.WriteFile(outPath, melody, 1, fileOptions);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: {melody.Notes.Length} notes, {melody.BarCount} bars, {melody.Key?.ToString() ?? "key unknown"}, {melody.Meter}"));
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
