using System.CommandLine;
using System.Globalization;
using Melos.Formats;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary><c>melos notes FILE [--json] [--tune N]</c>: a file's notes as text or JSON.</summary>
public static class NotesCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("FILE") { Description = $"A MIDI, ABC or MusicXML file ({string.Join(", ", NotesReaders.All.SelectMany(r => r.Format.Endings))})." };
        var json = new Option<bool>("--json") { Description = "Print JSON: {format, division, tempos, tracks:[{index, name, notes}]}." };
        var tune = new Option<int?>("--tune") { Description = "For ABC files: the tune's X: number (default: the first tune)." };
        var cmd = new Command("notes", "List the notes of a MIDI, ABC or MusicXML file.") { file, json, tune };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var path = pr.GetValue(file)!.FullName;
            FileArguments.RequireFile(path);
            var reader = NotesReaders.ForReading(path);
            var doc = reader.Read(path, new NotesReadOptions(pr.GetValue(tune)));
            if (pr.GetValue(json)) context.Out.WriteLine(doc.ToJson());
            else WriteText(context.Out, doc);
            return 0;
        }));
        return cmd;
    }

    private static void WriteText(TextWriter w, NotesDocument doc)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(ci, $"format {doc.Format}, {doc.Division} ticks per quarter, {doc.Tracks.Count} tracks"));
        foreach (var t in doc.Tempos)
            w.WriteLine(t.Bpm is { } bpm ? string.Create(ci, $"tempo {bpm:0.###} bpm at tick {t.Tick}") : string.Create(ci, $"tempo 0 microseconds per quarter (time stands still) at tick {t.Tick}"));
        foreach (var track in doc.Tracks)
        {
            w.WriteLine(string.Create(ci, $"track {track.Index} {(track.Name is null ? "(unnamed)" : TerminalText.Escape(track.Name))}: {track.Notes.Count} notes"));
            foreach (var n in track.Notes)
            {
                var name = Pitch.FromMidi(n.Pitch).ToString();
                w.WriteLine(string.Create(ci, $"  {n.Start,9:0.000}s {n.End,9:0.000}s  ch{n.Channel,-2} {name,-4} ({n.Pitch,3}) vel {n.Velocity,3}  ticks {n.StartTick}-{n.EndTick}"));
            }
        }
    }
}
