using System.Diagnostics;
using System.Text;
using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Formats.Tests.MusicXml;

/// <summary>Real tunes: every Nottingham tune through MusicXML and back, and MuseScore reading what Melos writes.</summary>
public sealed class MusicXmlCollectionTests(ITestOutputHelper output)
{
    private static IEnumerable<AbcTune> Nottingham() =>
        Directory.GetFiles(Datasets.PathOf("nottingham", "ABC_cleaned"), "*.abc").Order(StringComparer.Ordinal).SelectMany(f => AbcReader.Load(f).Tunes);

    [DatasetFact]
    public void Every_Nottingham_tune_survives_musicxml_write_then_strict_read()
    {
        int count = 0;
        var failures = new List<string>();
        foreach (var tune in Nottingham())
        {
            var xml = MusicXmlWriter.Write(tune.Melody);
            var back = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
            if (!MusicXmlRoundTripProperties.SameMusic(tune.Melody, back)) failures.Add($"X:{tune.Number} {tune.Title}");
            count++;
        }
        output.WriteLine($"{count - failures.Count} of {count} Nottingham tunes identical after MusicXML");
        Assert.True(count > 1000, $"only {count} tunes");
        Assert.Empty(failures);
    }

    /// <summary>
    /// MuseScore 3 converts Melos's MusicXML of real tunes to MIDI; Melos's MIDI reader finds the same pitches, the same
    /// onsets (MuseScore starts a pickup measure at time zero) and the same lengths less the one tick MuseScore shortens
    /// every note by (its MIDI is at 480 ticks per quarter). MuseScore also exports the score it read as MusicXML of its
    /// own, which Melos reads strictly back to the same notes, key signature, meters, chords and length (MuseScore drops the
    /// mode of A minor and other keys without sharps or flats).
    /// </summary>
    [DatasetToolFact("mscore3")]
    public void MuseScore_plays_the_written_musicxml_with_our_pitches_onsets_and_lengths()
    {
        var files = new[] { "jigs.abc", "reelsa-c.abc", "waltzes.abc", "hpps.abc", "xmas.abc", "slip.abc" };
        var tunes = files.SelectMany(f => AbcReader.Load(Datasets.PathOf("nottingham", "ABC_cleaned", f)).Tunes.Take(3)).Select(t => t.Melody).ToList();
        var results = MuseScore.CrossCheck(tunes);
        for (int i = 0; i < tunes.Count; i++) output.WriteLine($"{tunes[i].Info.Title}: MIDI {results[i].Midi ?? "agrees"}; MusicXML {results[i].MusicXml ?? "agrees"}");
        Assert.Equal(tunes.Count, results.Count(r => r.Midi is null));
        Assert.Equal(tunes.Count, results.Count(r => r.MusicXml is null));
    }
}

/// <summary>Runs MuseScore 3 headless in one batch job and compares its MIDI and MusicXML exports with the melodies written.</summary>
internal static class MuseScore
{
    public static IReadOnlyList<(string? Midi, string? MusicXml)> CrossCheck(IReadOnlyList<Melody> melodies)
    {
        var dir = Directory.CreateTempSubdirectory("melos-mscore-").FullName;
        try
        {
            var job = new StringBuilder("[");
            for (int i = 0; i < melodies.Count; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"t{i}.musicxml"), MusicXmlWriter.Write(melodies[i]));
                job.Append(i > 0 ? "," : "").Append($"{{\"in\":\"t{i}.musicxml\",\"out\":[\"t{i}.mid\",\"t{i}.ms.musicxml\"]}}");
            }
            File.WriteAllText(Path.Combine(dir, "job.json"), job.Append(']').ToString());
            var psi = new ProcessStartInfo("mscore3", "-j job.json") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
            psi.Environment["QT_QPA_PLATFORM"] = "offscreen";
            using (var p = Process.Start(psi)!)
            {
                var err = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"mscore3 failed with exit code {p.ExitCode}: {err.Result}");
            }
            var results = new List<(string?, string?)>();
            for (int i = 0; i < melodies.Count; i++)
            {
                var mid = Path.Combine(dir, $"t{i}.mid");
                var xml = Path.Combine(dir, $"t{i}.ms.musicxml");
                var pickup = File.ReadAllText(Path.Combine(dir, $"t{i}.musicxml")).Contains("implicit=\"yes\"", StringComparison.Ordinal);
                results.Add((File.Exists(mid) ? Compare(melodies[i], pickup, MidiMelody.Read(mid)) : "no MIDI written",
                    File.Exists(xml) ? CompareScore(melodies[i], MusicXmlReader.Load(xml, MusicXmlReadSettings.Strict).Melody) : "no MusicXML written"));
            }
            return results;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static readonly Duration Tick = Duration.FromTicks(1, 480);

    /// <summary>Null when MuseScore's MusicXML reads back to our notes, key, meters, chords and length, else what differs.</summary>
    public static string? CompareScore(Melody ours, Melody theirs)
    {
        if (!ours.Notes.SequenceEqual(theirs.Notes))
        {
            int j = 0;
            while (j < Math.Min(ours.Notes.Length, theirs.Notes.Length) && ours.Notes[j] == theirs.Notes[j]) j++;
            return $"notes differ from {j}: {(j < ours.Notes.Length ? ours.Notes[j] : null)} vs {(j < theirs.Notes.Length ? theirs.Notes[j] : null)}";
        }
        // MuseScore 3.2 writes no <mode> for a signature without sharps or flats: A minor comes back as C major. The signature must agree.
        if (ours.Key != theirs.Key && !(ours.Key is { Mode: not Mode.Major } k && theirs.Key is { Mode: Mode.Major } t && k.Fifths == t.Fifths))
            return $"key {ours.Key} vs {theirs.Key}";
        if (!ours.Meters.SequenceEqual(theirs.Meters)) return $"meters {string.Join(",", ours.Meters)} vs {string.Join(",", theirs.Meters)}";
        if (!ours.Chords.SequenceEqual(theirs.Chords)) return $"chords {string.Join(" ", ours.Chords.Select(c => c.Chord + "@" + c.At))} vs {string.Join(" ", theirs.Chords.Select(c => c.Chord + "@" + c.At))}";
        return ours.Length == theirs.Length ? null : $"length {ours.Length} vs {theirs.Length}";
    }

    /// <summary>Null when MuseScore's notes are ours (pickup shifted to zero, each note one tick shorter), else the first difference.</summary>
    public static string? Compare(Melody ours, bool pickup, Melody theirs)
    {
        var shift = pickup ? ours.Notes[0].Start : Duration.Zero;
        if (ours.Notes.Length != theirs.Notes.Length) return $"{ours.Notes.Length} notes written, MuseScore played {theirs.Notes.Length}";
        for (int j = 0; j < ours.Notes.Length; j++)
        {
            var a = ours.Notes[j];
            var b = theirs.Notes[j];
            if (a.Pitch.Number != b.Pitch.Number || a.Start - shift != b.Start || (b.Length != a.Length && b.Length != a.Length - Tick))
                return $"note {j}: wrote {a.Pitch.Number}@{a.Start - shift}+{a.Length}, MuseScore played {b.Pitch.Number}@{b.Start}+{b.Length}";
        }
        return null;
    }
}
