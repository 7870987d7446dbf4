using System.Diagnostics;
using System.Text.Json;
using Melos.Formats;
using Melos.Formats.Midi;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Formats.Tests.Midi;

/// <summary>
/// Melos's notes against mido's on every .mid under the shared datasets. mido_notes.py pairs mido's raw messages with the
/// same rules, written independently; both sides must agree on format, division, tempo list, track names and every note
/// (channel, pitch, velocity, start/end tick, start/end seconds) of every track.
/// </summary>
public sealed class MidoCrossCheckTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";

    public static IReadOnlyList<string> AllMidiFiles() =>
        [.. Directory.EnumerateFiles(Datasets.PathOf(), "*.mid", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>Runs mido_notes.py once over all <paramref name="paths"/>; returns each path's JSON line.</summary>
    public static Dictionary<string, JsonElement> RunMido(IReadOnlyList<string> paths)
    {
        var script = Path.Combine(Datasets.RepoRoot, "tests", "Melos.Formats.Tests", "Midi", "mido_notes.py");
        var psi = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var writer = Task.Run(() =>
        {
            foreach (var path in paths) p.StandardInput.WriteLine(path);
            p.StandardInput.Close();
        });
        var stderr = p.StandardError.ReadToEndAsync();
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            var el = JsonDocument.Parse(line).RootElement;
            result[el.GetProperty("path").GetString()!] = el;
        }
        writer.Wait();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"mido_notes.py failed ({p.ExitCode}); is python3-mido installed (apt-get install python3-mido)? {stderr.Result}");
        return result;
    }

    /// <summary>The first difference between two documents, or null when they agree.</summary>
    public static string? Difference(NotesDocument melos, NotesDocument mido)
    {
        if (melos.Format != mido.Format) return $"format {melos.Format} vs {mido.Format}";
        if (melos.Division != mido.Division) return $"division {melos.Division} vs {mido.Division}";
        if (!melos.Tempos.SequenceEqual(mido.Tempos)) return $"tempos differ ({melos.Tempos.Count} vs {mido.Tempos.Count})";
        if (melos.Tracks.Count != mido.Tracks.Count) return $"{melos.Tracks.Count} tracks vs {mido.Tracks.Count}";
        for (int t = 0; t < melos.Tracks.Count; t++)
        {
            var a = melos.Tracks[t];
            var b = mido.Tracks[t];
            if (a.Index != b.Index || a.Name != b.Name) return $"track {t}: name '{a.Name}' vs '{b.Name}'";
            if (a.Notes.Count != b.Notes.Count) return $"track {t}: {a.Notes.Count} notes vs {b.Notes.Count}";
            for (int i = 0; i < a.Notes.Count; i++)
                if (a.Notes[i] != b.Notes[i]) return $"track {t} note {i}: {a.Notes[i]} vs {b.Notes[i]}";
        }
        return null;
    }

    [Fact]
    public void Difference_sees_a_changed_note_tempo_name_or_count()
    {
        var note = new NotesNote(0, 60, 100, 0, 480, 0, 0.5);
        var doc = new NotesDocument(1, 480, [new NotesTempo(0, 120)], [new NotesTrack(0, "MELODY", [note])]);
        Assert.Null(Difference(doc, NotesDocument.FromJson(doc.ToJson())));
        Assert.NotNull(Difference(doc, doc with { Tracks = [new NotesTrack(0, "MELODY", [note with { EndTick = 481 }])] }));
        Assert.NotNull(Difference(doc, doc with { Tracks = [new NotesTrack(0, "MELODY", [note with { End = 0.5000001 }])] }));
        Assert.NotNull(Difference(doc, doc with { Tracks = [new NotesTrack(0, "", [note])] }));
        Assert.NotNull(Difference(doc, doc with { Tracks = [new NotesTrack(0, "MELODY", [note, note])] }));
        Assert.NotNull(Difference(doc, doc with { Tempos = [new NotesTempo(0, 120.000001)] }));
    }

    [DatasetPythonFact("mido", Python)]
    public void Every_dataset_file_has_the_same_notes_as_mido()
    {
        var files = AllMidiFiles();
        var sw = Stopwatch.StartNew();
        var mido = RunMido(files);
        output.WriteLine($"mido: {files.Count} files in {sw.Elapsed.TotalSeconds:0.0} s");

        var failures = new List<string>();
        long notes = 0, unpaired = 0, closedAtEnd = 0;
        int identical = 0;
        foreach (var path in files)
        {
            if (!mido.TryGetValue(path, out var el)) { failures.Add($"{path}: no answer from mido"); continue; }
            if (el.TryGetProperty("error", out var err)) { failures.Add($"{path}: mido error {err.GetString()}"); continue; }
            var theirs = NotesDocument.FromJson(el.GetProperty("doc").GetRawText());
            var file = MidiReader.Read(path, MidiReadSettings.Strict).File;
            var ours = MidiNotesReader.ToDocument(file);
            foreach (var t in file.Tracks)
            {
                var paired = MidiNotes.Pair(t);
                unpaired += paired.UnpairedNoteOffs;
                closedAtEnd += paired.ClosedAtTrackEnd;
            }
            var diff = Difference(ours, theirs);
            if (diff is null)
            {
                identical++;
                notes += ours.Tracks.Sum(t => t.Notes.Count);
            }
            else failures.Add($"{path}: {diff}");
        }
        output.WriteLine($"compared {files.Count} files: {identical} identical ({notes} notes), {failures.Count} different");
        output.WriteLine($"read strictly with no repair; {unpaired} note-offs without note-on, {closedAtEnd} notes closed at end of track");
        foreach (var f in failures.Take(20)) output.WriteLine(f);
        Assert.True(files.Count >= 1943, $"expected at least 1943 .mid files under the datasets, found {files.Count}");
        Assert.Empty(failures);
        Assert.Equal(files.Count, identical);
    }

    /// <summary>
    /// The dataset files never leave a note-off unpaired or a note open at the end; these random files do, often: few pitches
    /// and two channels, so same-pitch overlaps (FIFO), stray note-offs, velocity-0 note-ons and notes left on all occur.
    /// </summary>
    [DatasetPythonFact("mido", Python)]
    public void Random_files_full_of_pairing_edge_cases_have_the_same_notes_as_mido()
    {
        var dir = Directory.CreateTempSubdirectory("melos-mido-");
        try
        {
            var rng = new Random(20261123);
            var paths = new List<string>();
            long unpaired = 0, closed = 0, notes = 0;
            for (int f = 0; f < 300; f++)
            {
                var tracks = new List<MidiTrack>();
                int ntracks = 1 + rng.Next(3);
                for (int t = 0; t < ntracks; t++)
                {
                    var events = new List<MidiEvent>();
                    long tick = 0;
                    int n = rng.Next(0, 80);
                    for (int i = 0; i < n; i++)
                    {
                        tick += rng.Next(4) == 0 ? 0 : rng.Next(1, 200);
                        int ch = rng.Next(2), pitch = 60 + rng.Next(4);
                        events.Add(rng.Next(10) switch
                        {
                            < 5 => MidiEvent.NoteOn(tick, ch, pitch, 1 + rng.Next(127)),
                            < 7 => MidiEvent.NoteOff(tick, ch, pitch, rng.Next(128)),
                            < 9 => MidiEvent.NoteOn(tick, ch, pitch, 0),
                            _ => MidiEvent.Tempo(tick, 200_000 + rng.Next(800_000)),
                        });
                    }
                    tracks.Add(new MidiTrack([.. events], tick + rng.Next(3) * 100));
                }
                int format = ntracks == 1 ? rng.Next(3) : 1 + rng.Next(2);
                var division = rng.Next(5) == 0 ? new MidiDivision(0xE728) : MidiDivision.PerQuarter(96 * (1 + rng.Next(10)));
                var file = new MidiFile(format, division, tracks);
                var path = Path.Combine(dir.FullName, $"r{f:000}.mid");
                File.WriteAllBytes(path, MidiWriter.Write(file, new MidiWriteSettings { UseRunningStatus = rng.Next(2) == 0 }));
                paths.Add(path);
            }
            var mido = RunMido(paths);
            var failures = new List<string>();
            foreach (var path in paths)
            {
                var el = mido[path];
                if (el.TryGetProperty("error", out var err)) { failures.Add($"{path}: mido error {err.GetString()}"); continue; }
                var file = MidiReader.Read(path, MidiReadSettings.Strict).File;
                foreach (var t in file.Tracks)
                {
                    var paired = MidiNotes.Pair(t);
                    unpaired += paired.UnpairedNoteOffs;
                    closed += paired.ClosedAtTrackEnd;
                    notes += paired.Notes.Length;
                }
                var diff = Difference(MidiNotesReader.ToDocument(file), NotesDocument.FromJson(el.GetProperty("doc").GetRawText()));
                if (diff is not null) failures.Add($"{Path.GetFileName(path)}: {diff}");
            }
            output.WriteLine($"{paths.Count} random files: {notes} notes, {unpaired} unpaired note-offs, {closed} closed at end; {failures.Count} different");
            foreach (var f in failures.Take(20)) output.WriteLine(f);
            Assert.Empty(failures);
            Assert.True(unpaired > 100 && closed > 100, "the random files should exercise the pairing rules");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
