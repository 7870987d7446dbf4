using System.Diagnostics;
using System.Globalization;
using System.Text;
using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;
using Melos.Reports;

namespace Melos.Bench;

/// <summary>
/// Output formats: MusicXML round trip over every Nottingham tune, MuseScore 3 agreement over the first N tunes, and the
/// time <see cref="MelodyFiles.Formats"/> takes to write the five files (.mid, .abc, .musicxml, .wav, .png) of an 8-bar melody.
/// </summary>
public sealed class FormatsBench : IBenchmark
{
    public string Name => "formats";

    public string Description => "MusicXML round trip on Nottingham, MuseScore agreement (arg: tunes, default 200; 0 skips), time to write the five files per melody";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int museScoreTunes = args.Length > 0 ? int.Parse(args[0], ci) : 200;
        var root = FindRepoRoot();
        var folder = Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", "nottingham", "ABC_cleaned"));
        var tunes = Directory.GetFiles(folder, "*.abc").Order(StringComparer.Ordinal).SelectMany(f => AbcReader.Load(f).Tunes).Select(t => t.Melody).ToList();

        // 1. Round trip: write, read strictly, compare notes (pitch, spelling, onset, length, velocity), key, meters, tempi, chords, length.
        var write = Stopwatch.StartNew();
        var xmls = tunes.Select(m => MusicXmlWriter.Write(m)).ToList();
        write.Stop();
        var read = Stopwatch.StartNew();
        var backs = xmls.Select(x => MusicXmlReader.Parse(x, settings: MusicXmlReadSettings.Strict).Melody).ToList();
        read.Stop();
        int identical = tunes.Zip(backs).Count(p => Same(p.First, p.Second));
        double mb = xmls.Sum(x => (double)Encoding.UTF8.GetByteCount(x)) / 1e6;
        Console.WriteLine(string.Create(ci, $"MusicXML round trip: {identical} of {tunes.Count} Nottingham tunes identical (notes with spelling and velocity, key, meters, tempi, chords, length)"));
        Console.WriteLine(string.Create(ci, $"  write {write.Elapsed.TotalMilliseconds:0} ms ({mb:0.0} MB), strict read {read.Elapsed.TotalMilliseconds:0} ms, 1 thread"));

        // 2. MuseScore 3 reads the MusicXML and plays it as MIDI: same pitches, onsets (pickup at zero) and lengths less one tick.
        if (museScoreTunes > 0)
        {
            var chosen = tunes.Take(museScoreTunes).ToList();
            var sw = Stopwatch.StartNew();
            var (agree, xmlAgree, modeOnly, failures) = MuseScoreAgreement(chosen);
            Console.WriteLine(string.Create(ci, $"MuseScore 3 (mscore3 -j, one batch, MIDI and MusicXML out): {sw.Elapsed.TotalSeconds:0.0} s for {chosen.Count} tunes"));
            Console.WriteLine(string.Create(ci, $"  its MIDI has our pitches, onsets and lengths (less 1 tick): {agree} of {chosen.Count} tunes"));
            Console.WriteLine(string.Create(ci, $"  its MusicXML reads back (strict) to our notes, key, meters, chords and length: {xmlAgree} of {chosen.Count} tunes; {modeOnly} more differ only in the key's mode (same signature: MuseScore writes no <mode> for a key without sharps or flats)"));
            foreach (var f in failures.Take(10)) Console.WriteLine("  " + f);
        }

        // 3. Writing the five files of an 8-bar melody (the first 8 bars of Nottingham tunes with chords), per format and in all.
        var melodies = tunes.Where(t => !t.Chords.IsEmpty).Take(40).Select(t => FirstBars(t, 8)).ToList();
        var dir = Directory.CreateTempSubdirectory("melos-formats-bench-").FullName;
        try
        {
            var formats = MelodyFiles.Formats;
            var all = formats.Writable.ToList();
            var perFormat = all.ToDictionary(f => f, _ => new List<double>());
            var totals = new List<double>();
            formats.Write(Path.Combine(dir, "warm"), melodies[0], all); // JIT and font loading
            for (int i = 0; i < melodies.Count; i++)
            {
                var total = Stopwatch.StartNew();
                foreach (var f in all)
                {
                    var sw = Stopwatch.StartNew();
                    formats.Write(Path.Combine(dir, $"m{i}"), melodies[i], [f]);
                    perFormat[f].Add(sw.Elapsed.TotalMilliseconds);
                }
                totals.Add(total.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine(string.Create(ci, $"Writing one 8-bar melody with chords (first 8 bars of {melodies.Count} Nottingham tunes; built-in synthesizer, 44.1 kHz stereo):"));
            Console.WriteLine("| file | median ms | max ms |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var f in all)
                Console.WriteLine(string.Create(ci, $"| .{f.Name} | {Median(perFormat[f]):0.0} | {perFormat[f].Max():0.0} |"));
            Console.WriteLine(string.Create(ci, $"| all five | {Median(totals):0.0} | {totals.Max():0.0} |"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        return 0;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static bool Same(Melody a, Melody b) =>
        a.Notes.SequenceEqual(b.Notes) && a.Notes.Zip(b.Notes).All(p => p.First.Pitch.IsSameSpelling(p.Second.Pitch)) &&
        a.Key == b.Key && a.Meters.SequenceEqual(b.Meters) && a.Tempos.SequenceEqual(b.Tempos) && a.Chords.SequenceEqual(b.Chords) && a.Length == b.Length;

    private static Melody FirstBars(Melody m, int bars)
    {
        var end = m.BarStart(Math.Min(bars, m.BarCount));
        var notes = m.Notes.Where(n => n.Start < end).Select(n => n.End > end ? n with { Length = end - n.Start } : n);
        return Melody.Create(notes, m.Key, m.Meters.Where(x => x.At < end), m.Tempos.Where(x => x.At < end), m.Chords.Where(c => c.At < end), m.Info, end);
    }

    private static (int Agree, int XmlAgree, int ModeOnly, List<string> Failures) MuseScoreAgreement(IReadOnlyList<Melody> melodies)
    {
        var dir = Directory.CreateTempSubdirectory("melos-mscore-bench-").FullName;
        try
        {
            var job = new StringBuilder("[");
            for (int i = 0; i < melodies.Count; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"t{i}.musicxml"), MusicXmlWriter.Write(melodies[i]));
                job.Append(i > 0 ? "," : "").Append(CultureInfo.InvariantCulture, $"{{\"in\":\"t{i}.musicxml\",\"out\":[\"t{i}.mid\",\"t{i}.ms.musicxml\"]}}");
            }
            File.WriteAllText(Path.Combine(dir, "job.json"), job.Append(']').ToString());
            var psi = new ProcessStartInfo("mscore3", "-j job.json") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
            psi.Environment["QT_QPA_PLATFORM"] = "offscreen";
            using (var p = Process.Start(psi)!)
            {
                var err = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                _ = err.Result;
            }
            var tick = Duration.FromTicks(1, 480);
            int agree = 0, xmlAgree = 0, modeOnly = 0;
            var failures = new List<string>();
            for (int i = 0; i < melodies.Count; i++)
            {
                var ours = melodies[i];
                var mid = Path.Combine(dir, $"t{i}.mid");
                if (!File.Exists(mid)) { failures.Add($"{ours.Info.Title}: no MIDI"); continue; }
                bool pickup = File.ReadAllText(Path.Combine(dir, $"t{i}.musicxml")).Contains("implicit=\"yes\"", StringComparison.Ordinal);
                var shift = pickup ? ours.Notes[0].Start : Duration.Zero;
                var theirs = MidiMelody.Read(mid);
                string? diff = ours.Notes.Length != theirs.Notes.Length ? $"{ours.Notes.Length} vs {theirs.Notes.Length} notes" : null;
                for (int j = 0; diff is null && j < ours.Notes.Length; j++)
                {
                    var a = ours.Notes[j];
                    var b = theirs.Notes[j];
                    if (a.Pitch.Number != b.Pitch.Number || a.Start - shift != b.Start || (b.Length != a.Length && b.Length != a.Length - tick))
                        diff = $"note {j}: {a.Pitch.Number}@{a.Start - shift}+{a.Length} vs {b.Pitch.Number}@{b.Start}+{b.Length}";
                }
                if (diff is null) agree++;
                else failures.Add($"{ours.Info.Title}: MIDI {diff}");
                var xml = Path.Combine(dir, $"t{i}.ms.musicxml");
                try
                {
                    var back = MusicXmlReader.Load(xml, MusicXmlReadSettings.Strict).Melody;
                    bool rest = back.Notes.SequenceEqual(ours.Notes) && back.Meters.SequenceEqual(ours.Meters) && back.Chords.SequenceEqual(ours.Chords) && back.Length == ours.Length;
                    if (rest && back.Key == ours.Key) xmlAgree++;
                    else if (rest && back.Key?.Fifths == ours.Key?.Fifths) modeOnly++;
                    else failures.Add($"{ours.Info.Title}: MuseScore's MusicXML reads back differently");
                }
                catch (Exception e) when (e is MusicXmlFormatException or IOException)
                {
                    failures.Add($"{ours.Info.Title}: MuseScore's MusicXML: {e.Message}");
                }
            }
            return (agree, xmlAgree, modeOnly, failures);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
