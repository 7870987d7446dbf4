using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Melos.Formats.Abc;
using Melos.Tests;

namespace Melos.Formats.Tests.Abc;

/// <summary>
/// Runs abc2midi on every tune of the three ABC collections and compares pitches and onsets (quarter notes from the
/// first note) with Melos's reading. abc2midi runs with -NGRA (grace notes ignored, as Melos does) and -NGUI (no chord
/// track). Nottingham's Y: play order is handed to abc2midi as the standard header P: (abc2midi ignores Y:).
/// </summary>
internal static class Abc2MidiCrossCheck
{
    internal sealed record TuneResult(string File, int? Number, string? Title, string Status, string Detail);

    internal sealed record Report(int Compared, int Identical, List<TuneResult> Results, TimeSpan Elapsed)
    {
        public double Rate => Compared == 0 ? 0 : (double)Identical / Compared;

        public string Summary
        {
            get
            {
                var sb = new StringBuilder();
                sb.AppendLine(CultureInfo.InvariantCulture, $"abc2midi cross-check: {Identical}/{Compared} tunes identical ({Rate:P2}) in {Elapsed.TotalSeconds:0.0}s");
                foreach (var g in Results.Where(r => r.Status != "identical").GroupBy(r => r.Status).OrderByDescending(g => g.Count()))
                    sb.AppendLine(CultureInfo.InvariantCulture, $"  {g.Key}: {g.Count()}");
                return sb.ToString();
            }
        }

        public string Details => string.Join('\n', Results.Where(r => r.Status != "identical")
            .Select(r => $"{r.Status}\t{Path.GetFileName(r.File)}\tX:{r.Number}\t{r.Title}\t{r.Detail}"));
    }

    public static IEnumerable<string> CollectionFiles() =>
        new[] { Datasets.PathOf("nottingham", "ABC_cleaned"), Datasets.PathOf("folk-abc", "oneills1850"), Datasets.PathOf("folk-abc", "ryans-mammoth") }
            .SelectMany(d => Directory.GetFiles(d, "*.abc").Order(StringComparer.Ordinal));

    /// <summary>Each tune's text (file header lines first), split as the reader does: from X: to a blank line.</summary>
    public static IEnumerable<(string File, string Text)> Tunes(string file)
    {
        var lines = File.ReadAllLines(file);
        var header = new List<string>();
        bool seen = false;
        for (int i = 0; i < lines.Length;)
        {
            if (!lines[i].StartsWith("X:", StringComparison.Ordinal))
            {
                if (!seen && lines[i].Length > 1 && char.IsAsciiLetter(lines[i][0]) && lines[i][1] == ':') header.Add(lines[i]);
                i++;
                continue;
            }
            seen = true;
            int start = i++;
            while (i < lines.Length && !lines[i].StartsWith("X:", StringComparison.Ordinal) && lines[i].Trim().Length > 0) i++;
            yield return (file, string.Join('\n', header.Concat(lines[start..i])) + "\n");
        }
    }

    /// <summary>
    /// The tune as given to abc2midi: Nottingham's header Y: (play order) spelled as the standard header P:, and R: lines
    /// dropped (abc2midi swings the eighths of an R:hornpipe tune, a performance choice that is not in the notation).
    /// </summary>
    public static string ForAbc2Midi(string tune)
    {
        var lines = tune.Split('\n').Where(l => !l.StartsWith("R:", StringComparison.Ordinal)).ToArray();
        int k = Array.FindIndex(lines, l => l.StartsWith("K:", StringComparison.Ordinal));
        if (k < 0) return tune;
        bool hasP = lines[..k].Any(l => l.StartsWith("P:", StringComparison.Ordinal));
        if (!hasP)
            for (int i = 0; i < k; i++)
                if (lines[i].StartsWith("Y:", StringComparison.Ordinal)) lines[i] = "P:" + lines[i][2..];
        // Ornaments that abc2midi plays as extra notes (trills, rolls, turns, mordents) are decorations to Melos.
        for (int i = k + 1; i < lines.Length; i++)
        {
            if (lines[i].Length > 1 && char.IsAsciiLetter(lines[i][0]) && lines[i][1] == ':') continue;
            lines[i] = StripShortcutOrnaments(Ornaments.Replace(lines[i], ""));
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Drops, outside quotes, inline fields and !..!, the decoration shortcuts (T trill, M P mordents, ~ R rolls, H fermata,
    /// L accent, u v bowings, . staccato) and slurs: abc2midi plays the ornaments as extra notes and loses a broken
    /// rhythm when a decoration or slur stands between its notes (A&gt;.B, B/&gt;(A).
    /// </summary>
    private static string StripShortcutOrnaments(string line)
    {
        var sb = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '%') { sb.Append(line, i, line.Length - i); break; }
            int close = c switch
            {
                '"' => line.IndexOf('"', i + 1),
                '!' => line.IndexOf('!', i + 1),
                '[' when i + 2 < line.Length && line[i + 2] == ':' => line.IndexOf(']', i + 1),
                _ => -2,
            };
            if (close >= 0) { sb.Append(line, i, close - i + 1); i = close; continue; }
            if (c is 'T' or 'M' or 'P' or 'R' or '~' or 'H' or 'L' or 'u' or 'v' or ')') continue;
            if (c == '(' && !(i + 1 < line.Length && char.IsAsciiDigit(line[i + 1]))) continue;
            if (c == '.' && !(i > 0 && line[i - 1] is '|' or ':') && !(i + 1 < line.Length && line[i + 1] is '|' or ':')) continue;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static readonly System.Text.RegularExpressions.Regex Ornaments =
        new(@"!(trill|roll|turn|mordent|lowermordent|uppermordent|pralltriller|invertedturn|turnx|invertedturnx)!|~", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // abc2midi starts each further note of a chord 10 ticks (at 480 per quarter) after the previous one: notes less
    // than ChordStep ticks after the previous note are one chord (a 64th note is 30 ticks).
    private const int ChordStep = 15;

    public static Report Run(int? limit = null)
    {
        var sw = Stopwatch.StartNew();
        var tunes = CollectionFiles().SelectMany(Tunes).ToList();
        if (limit is { } l) tunes = tunes.Take(l).ToList();
        var dir = Directory.CreateTempSubdirectory("melos-abc2midi-");
        var results = new ConcurrentBag<(int Index, TuneResult Result)>();
        try
        {
            Parallel.ForEach(Enumerable.Range(0, tunes.Count), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                idx => results.Add((idx, CheckOne(tunes[idx].File, tunes[idx].Text, dir.FullName, idx))));
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
        var list = results.OrderBy(r => r.Index).Select(r => r.Result).ToList();
        int compared = list.Count(r => r.Status is not ("abc2midi-no-output" or "melos-skipped"));
        return new Report(compared, list.Count(r => r.Status == "identical"), list, sw.Elapsed);
    }

    private static TuneResult CheckOne(string file, string text, string dir, int idx)
    {
        int? number = null;
        string? title = null;
        AbcTune tune;
        try
        {
            tune = AbcReader.ReadTune(text, null, file, AbcReadSettings.Lenient);
            number = tune.Number;
            title = tune.Title;
        }
        catch (AbcFormatException e)
        {
            return new TuneResult(file, e.Tune, null, "melos-skipped", e.Message);
        }
        var abcPath = Path.Combine(Environment.GetEnvironmentVariable("MELOS_ABC2MIDI_KEEP") ?? dir, $"t{idx}.abc");
        var midPath = Path.Combine(dir, $"t{idx}.mid");
        File.WriteAllText(abcPath, ForAbc2Midi(text));
        var psi = new ProcessStartInfo("abc2midi") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { abcPath, "-o", midPath, "-NGRA", "-NGUI", "-NFER", "-silent" }) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(30_000)) { p.Kill(); return new TuneResult(file, number, title, "abc2midi-no-output", "timed out"); }
            so.Wait();
            se.Wait();
        }
        if (!File.Exists(midPath)) return new TuneResult(file, number, title, "abc2midi-no-output", "no MIDI written");
        var smf = MinimalSmf.Read(File.ReadAllBytes(midPath));
        var track = smf.Tracks.FirstOrDefault(t => t.Count > 0) ?? [];
        // Simultaneous onsets (chords): the melody takes the top note.
        // abc2midi spreads a chord's notes over a few ticks.
        var theirs = new List<(long Tick, int Pitch)>();
        long last = long.MinValue;
        foreach (var (tick, _, pitch) in track.OrderBy(x => x.Tick))
        {
            if (theirs.Count > 0 && tick - last < ChordStep * smf.Division / 480)
                theirs[^1] = (theirs[^1].Tick, Math.Max(theirs[^1].Pitch, pitch));
            else theirs.Add((tick, pitch));
            last = tick;
        }
        var ours = tune.Melody.Notes;
        if (theirs.Count == 0 && ours.Length == 0) return new TuneResult(file, number, title, "identical", "");
        long t0 = theirs.Count > 0 ? theirs[0].Tick : 0;
        var s0 = ours.Length > 0 ? ours[0].Start : Music.Duration.Zero;
        double tol = 3.0 / smf.Division;
        int n = Math.Min(theirs.Count, ours.Length);
        for (int i = 0; i < n; i++)
        {
            double q = (theirs[i].Tick - t0) / (double)smf.Division;
            double mq = (ours[i].Start - s0).ToQuarterDouble();
            if (theirs[i].Pitch != ours[i].Pitch.Number || Math.Abs(q - mq) > tol)
            {
                string kind = theirs[i].Pitch != ours[i].Pitch.Number ? "pitch" : "onset";
                return new TuneResult(file, number, title, $"differ-{kind}",
                    string.Create(CultureInfo.InvariantCulture,
                        $"note {i}: abc2midi {theirs[i].Pitch}@{q:0.###} melos {ours[i].Pitch.Number}@{mq:0.###} ({ours[i].Pitch}); counts {theirs.Count}/{ours.Length}"));
            }
        }
        if (theirs.Count != ours.Length)
            return new TuneResult(file, number, title, "differ-count",
                string.Create(CultureInfo.InvariantCulture, $"abc2midi {theirs.Count} notes, melos {ours.Length}"));
        return new TuneResult(file, number, title, "identical", "");
    }
}
