using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Data.Tests.Corpus;

/// <summary>Near-duplicate families: what must collapse into one family (and so one split), and what must not.</summary>
public sealed class TuneFamilyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-families-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Duration E = Duration.Eighth;

    /// <summary>A folk-like random tune: a stepwise walk in eighths and quarters over <paramref name="bars"/> bars of 4/4, a strain played twice.</summary>
    private static Melody Tune(int seed, int bars = 8)
    {
        var r = new Random(seed);
        var strain = new List<(int Pitch, int Eighths)>();
        int p = 67, filled = 0;
        while (filled < bars * 8)
        {
            int len = r.Next(5) == 0 ? 2 : 1;
            if (filled + len > bars * 8) len = 1;
            strain.Add((p, len));
            filled += len;
            p = Math.Clamp(p + r.Next(-4, 5), 60, 84);
        }
        var notes = new List<Note>();
        var t = Duration.Zero;
        foreach (var _ in new[] { 0, 1 })
            foreach (var (pitch, len) in strain)
            {
                notes.Add(new Note(Pitch.FromMidi(pitch), t, E * len));
                t += E * len;
            }
        return Melody.Create(notes, Key.Parse("C"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);
    }

    private static Melody Shift(Melody m, Duration by) => m.WithNotes(m.Notes.Select(n => n with { Start = n.Start + by }));

    /// <summary>A copy with a grace note before every fifth note and every seventh long note split into a turn of eighth and two sixteenths.</summary>
    private static Melody Ornamented(Melody m)
    {
        var notes = new List<Note>();
        var sixteenth = Duration.Sixteenth;
        for (int i = 0; i < m.Notes.Length; i++)
        {
            var n = m.Notes[i];
            if (i % 7 == 3 && n.Length >= Duration.Quarter)
            {
                notes.Add(n with { Length = E });
                notes.Add(new Note(Pitch.FromMidi(n.Pitch.Number + 2), n.Start + E, sixteenth));
                notes.Add(new Note(n.Pitch, n.Start + E + sixteenth, n.Length - E - sixteenth));
            }
            else if (i % 5 == 0 && n.Length >= E)
            {
                var grace = Duration.FromQuarters(1, 8);
                notes.Add(new Note(Pitch.FromMidi(n.Pitch.Number + 2), n.Start, grace));
                notes.Add(new Note(n.Pitch, n.Start + grace, n.Length - grace));
            }
            else notes.Add(n);
        }
        return m.WithNotes(notes);
    }

    /// <summary>A copy with a three-eighth pickup before the first bar.</summary>
    private static Melody WithPickup(Melody m)
    {
        int first = m.Notes[0].Pitch.Number;
        var pickup = new[] { first - 5, first - 3, first - 1 }.Select((p, i) => new Note(Pitch.FromMidi(p), E * (5 + i), E));
        return m.WithNotes([.. pickup, .. Shift(m, Duration.Whole).Notes]);
    }

    /// <summary>A performance: onsets off by up to a twentieth of a quarter, notes held for 75% of their length; then quantized again.</summary>
    private static Melody Requantized(Melody m, int seed)
    {
        var r = new Random(seed);
        long Ticks(double quarters) => Math.Max(0, (long)Math.Round(quarters * 960));
        var played = m.WithNotes(m.Notes.Select(n => n with
        {
            Start = Duration.FromQuarters(Ticks(n.Start.ToQuarterDouble() + (r.NextDouble() - 0.5) * 0.1), 960),
            Length = Duration.FromQuarters(Ticks(n.Length.ToQuarterDouble() * 0.75), 960),
        }));
        return CorpusBuilder.QuantizeMelody(played, QuantizationGrid.Default).Melody;
    }

    private static Melody WithChangedNotes(Melody m, params int[] at) =>
        m.WithNotes(m.Notes.Select((n, i) => at.Contains(i) ? n with { Pitch = Pitch.FromMidi(n.Pitch.Number + 3) } : n));

    private static double Similarity(Melody a, Melody b) => TuneFamilies.Similarity(TuneFamilies.Shingles(a), TuneFamilies.Shingles(b));

    [Fact]
    public void VariantsOfOneTuneAreNearDuplicates()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            var tune = Tune(seed);
            Assert.Equal(1.0, Similarity(tune, tune.Transpose(5)));
            Assert.Equal(1.0, Similarity(tune, WithPickup(tune)));
            // One strain against the tune with its repeat played out: every shingle of the strain is in the tune.
            var strain = tune.WithNotes(tune.Notes.Take(tune.Notes.Length / 2));
            Assert.Equal(1.0, Similarity(strain, tune));
            Assert.InRange(Similarity(tune, Ornamented(tune)), TuneFamilies.DefaultThreshold, 1.0);
            Assert.InRange(Similarity(tune, Requantized(tune, seed)), TuneFamilies.DefaultThreshold, 1.0);
            Assert.InRange(Similarity(tune, WithChangedNotes(tune, 10, 30, 50)), TuneFamilies.DefaultThreshold, 1.0);
        }
    }

    [Fact]
    public void DifferentTunesSharingAShortFigureAreNotNearDuplicates()
    {
        double worst = 0;
        for (int seed = 1; seed <= 20; seed++)
        {
            // Both tunes hold the same two-bar figure (16 eighths), transposed.
            var a = Tune(1000 + seed);
            var b = Tune(2000 + seed);
            var figure = a.Notes.Where(n => n.Start < Duration.Whole * 2).ToList();
            var figureEnd = figure.Max(n => n.End);
            var bNotes = b.Notes.Where(n => n.Start >= figureEnd).Concat(figure.Select(n => n with { Pitch = Pitch.FromMidi(n.Pitch.Number - 2) }));
            b = b.WithNotes(bNotes.OrderBy(n => n.Start));
            double s = Similarity(a, b);
            worst = Math.Max(worst, s);
            Assert.True(s > 0, "the shared figure is seen");
            Assert.True(s < TuneFamilies.DefaultThreshold, $"seed {seed}: similarity {s:0.00}");
        }
        output.WriteLine($"highest similarity of different tunes sharing a figure: {worst:0.00}");
    }

    [Fact]
    public void GroupJoinsVariantsTransitivelyAndNamesTheSmallestFingerprint()
    {
        var tune = Tune(5);
        var melodies = new List<Melody> { Tune(6), tune, Tune(7), Ornamented(tune.Transpose(-2)), WithPickup(tune), Tune(8) };
        var fps = melodies.Select(Fingerprint.Of).ToList();
        var family = TuneFamilies.Group(melodies, fps);
        int rep = new[] { 1, 3, 4 }.MinBy(i => fps[i], StringComparer.Ordinal);
        Assert.Equal([0, rep, 2, rep, rep, 5], family);
        Assert.Equal((1, 3), TuneFamilies.Count(family));
        // The representative does not depend on the order.
        var reversed = Enumerable.Reverse(melodies).ToList();
        var family2 = TuneFamilies.Group(reversed, [.. reversed.Select(Fingerprint.Of)]);
        Assert.Same(melodies[rep], reversed[family2[melodies.Count - 1 - 1]]);
    }

    private static string AbcOf(Melody m)
    {
        // Eighth-note unit; pitches as ABC letters with ^ for sharps, = for naturals and ' or , for octaves.
        var names = new[] { "=C", "^C", "=D", "^D", "=E", "=F", "^F", "=G", "^G", "=A", "^A", "=B" }; // accidentals last the bar: write every natural
        var sb = new System.Text.StringBuilder("X:1\nT:Walk\nM:4/4\nL:1/8\nK:C\n");
        var barAt = Duration.Whole;
        foreach (var n in m.Notes)
        {
            if (n.Start >= barAt) { sb.Append('|'); barAt += Duration.Whole; }
            int p = n.Pitch.Number, octave = p / 12 - 5;
            var name = names[p % 12];
            if (octave >= 1) name = name.ToLowerInvariant() + new string('\'', octave - 1);
            else name += new string(',', -octave);
            sb.Append(name);
            var len = n.Length / E;
            if (len != Rational.One) sb.Append(len.Denominator == 1 ? $"{len.Numerator}" : $"{len.Numerator}/{len.Denominator}");
        }
        return sb.Append("|]\n").ToString();
    }

    [Fact]
    public void CorpusBuildPutsEveryMemberOfAFamilyInOneSplitAndKeepsNearDuplicates()
    {
        var folder = Path.Combine(_dir, "folk");
        Directory.CreateDirectory(folder);
        var tune = Tune(42);
        File.WriteAllText(Path.Combine(folder, "tune.abc"), AbcOf(tune));
        // The same tune as MIDI, performed (so it quantizes slightly differently), transposed, ornamented, with a pickup.
        File.WriteAllBytes(Path.Combine(folder, "tune-performed.mid"), MidiMelody.Write(Requantized(tune, 1)));
        File.WriteAllBytes(Path.Combine(folder, "tune-in-f.mid"), MidiMelody.Write(Ornamented(tune.Transpose(5))));
        File.WriteAllBytes(Path.Combine(folder, "tune-pickup.mid"), MidiMelody.Write(WithPickup(WithChangedNotes(tune, 20))));
        // An exact transposed copy is still discarded as a duplicate.
        File.WriteAllBytes(Path.Combine(folder, "tune.exact.mid"), MidiMelody.Write(tune.Transpose(-3)));
        for (int i = 0; i < 40; i++) File.WriteAllBytes(Path.Combine(folder, $"other{i:00}.mid"), MidiMelody.Write(Tune(500 + i)));

        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [folder] });
        var s = corpus.Summary;
        Assert.Equal(1, s.DiscardedByReason["Duplicate"]);
        Assert.Equal(44, corpus.Entries.Count);
        var members = corpus.Entries.Where(e => e.Id.StartsWith("folk/tune", StringComparison.Ordinal)).ToList();
        // Files are read in name order: the transposed exact copy comes after the ABC original and is its duplicate.
        Assert.Contains(s.Discards, d => d.Reason == DiscardReason.Duplicate && d.Source == "folk/tune.exact.mid" && d.Detail == "same melody as folk/tune.abc#1");
        Assert.Equal(["folk/tune-in-f.mid", "folk/tune-performed.mid", "folk/tune-pickup.mid", "folk/tune.abc#1"], members.Select(e => e.Id).Order());
        Assert.Single(members.Select(e => e.Family).Distinct());
        Assert.Single(members.Select(e => e.Split).Distinct());
        var rep = members.MinBy(e => Fingerprint.Of(e.Melody), StringComparer.Ordinal)!;
        Assert.Equal(rep.Id, members[0].Family);
        Assert.Equal(new SplitRatios().Assign(Fingerprint.Of(rep.Melody)), members[0].Split);
        Assert.Equal(1, s.NearDuplicateFamilies);
        Assert.Equal(4, s.MelodiesInFamilies);
        Assert.All(corpus.Entries.Except(members), e => Assert.Equal(e.Id, e.Family));

        // Files read in another order (another input order) give the same families and splits.
        var again = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [folder], Parallelism = 1 });
        Assert.Equal(corpus.Entries.Select(e => (e.Id, e.Family, e.Split)), again.Entries.Select(e => (e.Id, e.Family, e.Split)));

        // The family survives the corpus file.
        var path = Path.Combine(_dir, "f.corpus");
        CorpusFile.Write(path, corpus);
        Assert.Equal(corpus.Entries.Select(e => e.Family), CorpusFile.Read(path).Entries.Select(e => e.Family));
        Assert.Equal(4, CorpusFile.ReadInfo(path).Summary.MelodiesInFamilies);
    }

    [Fact]
    public void AFormatVersion1CorpusStillReadsWithoutFamilies()
    {
        var path = Path.Combine(_dir, "v1.corpus");
        CorpusFile.Write(path, new CorpusData([], new BuildSummary(), new CorpusHeader()));
        int prefix = File.ReadAllBytes(path).Length; // magic, version, header, summary, count: the record starts here
        CorpusFile.Write(path, new CorpusData([TestMelodies.Entry(TestMelodies.Line("C4 D4 E4"))], new BuildSummary(), new CorpusHeader()));
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(2, bytes[8]);
        Assert.Equal(bytes.Length - prefix - 1, bytes[prefix]); // the record's one-byte length
        Assert.Equal(0, bytes[^1]); // the empty family that ends a version 2 record
        // Version 1: no family at the end of the record.
        bytes[prefix]--;
        bytes[8] = 1;
        File.WriteAllBytes(path, bytes[..^1]);
        var back = CorpusFile.Read(path);
        Assert.Null(Assert.Single(back.Entries).Family);
        Assert.Equal(3, back.Entries[0].Melody.Notes.Length);
    }

    [Fact]
    public void CorpusBuildReadsMusicXmlFiles()
    {
        var folder = Path.Combine(_dir, "xml");
        Directory.CreateDirectory(folder);
        var a = Tune(77).WithInfo(new MelodyInfo { Title = "Walk in MusicXML" });
        File.WriteAllText(Path.Combine(folder, "a.musicxml"), MusicXmlWriter.Write(a));
        File.WriteAllText(Path.Combine(folder, "b.xml"), MusicXmlWriter.Write(Tune(78)));
        File.WriteAllText(Path.Combine(folder, "not-music.xml"), "<?xml version=\"1.0\"?><config><value>1</value></config>");
        File.WriteAllText(Path.Combine(folder, "broken.musicxml"), "<score-partwise><part-list>");
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [folder] });
        Assert.Equal(3, corpus.Summary.FilesRead); // not-music.xml is not a score
        Assert.Equal(["xml/a.musicxml", "xml/b.xml"], corpus.Entries.Select(e => e.Id));
        var read = corpus.Entries[0].Melody;
        Assert.Equal("Walk in MusicXML", read.Info.Title);
        Assert.Equal(a.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), read.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
        var broken = Assert.Single(corpus.Summary.Discards);
        Assert.Equal(DiscardReason.ParseError, broken.Reason);
        Assert.Equal("xml/broken.musicxml", broken.Source);
    }

    [DatasetFact]
    public void NottinghamAbcAndMidiOfOneTuneAreOneFamily()
    {
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions
        {
            Inputs = [Datasets.PathOf("nottingham", "ABC_cleaned", "hpps.abc"), Datasets.PathOf("nottingham", "MIDI", "hpps13.mid")],
        });
        var abc = corpus.Entries.Single(e => e.Id == "ABC_cleaned/hpps.abc#13");
        var midi = corpus.Entries.Single(e => e.Id == "MIDI/hpps13.mid");
        output.WriteLine($"{abc.Id}: {abc.Split}, family {abc.Family}; {midi.Id}: {midi.Split}, family {midi.Family}");
        Assert.NotEqual(Fingerprint.Of(abc.Melody), Fingerprint.Of(midi.Melody)); // not an exact duplicate: both kept
        Assert.Equal(abc.Family, midi.Family);
        Assert.Equal(abc.Split, midi.Split);
        Assert.Equal(2, corpus.Entries.Count(e => e.Family == abc.Family));
    }

    [DatasetFact]
    public void NoTestTuneOfTheFolkCorpusHasANearDuplicateInTrain()
    {
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions
        {
            Inputs = [Datasets.PathOf("nottingham"), Datasets.PathOf("folk-abc", "oneills1850")],
        });
        var melodies = corpus.Entries.Select(e => e.Melody).ToList();
        var before = TuneFamilies.Leakage(melodies, [.. melodies.Select(m => new SplitRatios().Assign(Fingerprint.Of(m)))]);
        var after = TuneFamilies.Leakage(melodies, [.. corpus.Entries.Select(e => e.Split)]);
        output.WriteLine($"{corpus.Summary.MelodiesInFamilies} tunes in {corpus.Summary.NearDuplicateFamilies} families; " +
            $"test tunes with a near-duplicate in train: before {before.Leaked}/{before.Held}, after {after.Leaked}/{after.Held}");
        Assert.True(before.Leaked > 20, $"split by exact fingerprint leaks ({before.Leaked})");
        Assert.Equal(0, after.Leaked);
        Assert.True(corpus.Summary.NearDuplicateFamilies > 100);
    }
}
