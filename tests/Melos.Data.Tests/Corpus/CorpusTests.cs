using System.Collections.Immutable;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Music;
using static Melos.Data.Tests.Corpus.TestMelodies;

namespace Melos.Data.Tests.Corpus;

public sealed class CorpusTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "melos-corpus-" + Guid.NewGuid().ToString("N"));

    public CorpusTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int[] Frames(params (int Pitch, int Sixteenths)[] notes) => [.. notes.SelectMany(n => Enumerable.Repeat(n.Pitch, n.Sixteenths))];

    private static int[] RandomTune(Random r, int notes) => Frames([.. Enumerable.Range(0, notes).Select(_ => (r.Next(60, 80), r.Next(1, 5) * 2))]);

    [Fact]
    public void FingerprintIgnoresTranspositionButNotContent()
    {
        var a = Line("C4 D4 E4 F4 G4 A4 B4 C5", "C");
        Assert.Equal(Fingerprint.Of(a), Fingerprint.Of(a.Transpose(7)));
        Assert.NotEqual(Fingerprint.Of(a), Fingerprint.Of(Line("C4 D4 E4 F4 G4 A4 B4 D5", "C")));
        Assert.NotEqual(Fingerprint.Of(a), Fingerprint.Of(Line("C4 D4 E4 F4 G4 A4 B4 C5/2", "C")));
    }

    [Fact]
    public void SplitsAreStableWhenFilesAreAddedAndNearDuplicatesShareASplit()
    {
        var r = new Random(7);
        var tunes = Enumerable.Range(0, 60).Select(_ => RandomTune(r, 20)).ToArray();
        var folder = Path.Combine(_dir, "folk");
        Directory.CreateDirectory(folder);
        WriteChoraleJson(Path.Combine(folder, "a.json"), tunes[..30]);
        var builder = new CorpusBuilder(TuneSources.Default);
        var before = builder.Build(new CorpusBuildOptions { Inputs = [folder] });

        // Add a file with new tunes and a transposed copy of every existing tune.
        var transposed = tunes[..30].Select(t => t.Select(p => p + 5).ToArray()).ToArray();
        WriteChoraleJson(Path.Combine(folder, "b.json"), [.. tunes[30..], .. transposed]);
        var after = builder.Build(new CorpusBuildOptions { Inputs = [folder], KeepDuplicates = true });

        Assert.Equal(30, before.Entries.Count);
        Assert.Equal(90, after.Entries.Count);
        var afterById = after.Entries.ToDictionary(e => e.Id);
        foreach (var e in before.Entries) Assert.Equal(e.Split, afterById[e.Id].Split);
        for (int i = 0; i < 30; i++)
        {
            var original = afterById[$"folk/a.json#train/{i}"];
            var copy = afterById[$"folk/b.json#train/{30 + i}"];
            Assert.Equal(original.Split, copy.Split);
        }
        // With 90 melodies and 10%/10% shares, every split is used.
        Assert.Equal(3, after.Entries.Select(e => e.Split).Distinct().Count());
    }

    [Fact]
    public void TransposedCopiesAreDiscardedAsDuplicatesByDefault()
    {
        var r = new Random(11);
        var tunes = Enumerable.Range(0, 5).Select(_ => RandomTune(r, 12)).ToArray();
        var folder = Path.Combine(_dir, "dups");
        Directory.CreateDirectory(folder);
        WriteChoraleJson(Path.Combine(folder, "a.json"), tunes);
        WriteChoraleJson(Path.Combine(folder, "b.json"), [.. tunes.Select(t => t.Select(p => p - 3).ToArray()), RandomTune(r, 12)]);
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [folder] });
        Assert.Equal(6, corpus.Entries.Count);
        Assert.Equal(5, corpus.Summary.DiscardedByReason["Duplicate"]);
        Assert.Contains(corpus.Summary.Discards, d => d.Source == "dups/b.json#train/0" && d.Detail == "same melody as dups/a.json#train/0");
    }

    [Fact]
    public void BuildCountsDiscardsByReasonAndKeepsGoing()
    {
        var folder = Path.Combine(_dir, "mixed");
        Directory.CreateDirectory(folder);
        WriteChoraleJson(Path.Combine(folder, "ok.json"), Frames((60, 4), (62, 4), (64, 4), (65, 4), (67, 4), (69, 4), (71, 4), (72, 8)), Frames((60, 4), (62, 4)));
        File.WriteAllText(Path.Combine(folder, "silent.json"), "{\"train\":[[[-1,60,55,48],[-1,60,55,48]]]}");
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [folder], MinNotes = 8 });
        Assert.Single(corpus.Entries);
        Assert.Equal(3, corpus.Summary.TunesFound);
        Assert.Equal(1, corpus.Summary.DiscardedByReason["TooShort"]);
        Assert.Equal(1, corpus.Summary.DiscardedByReason["NoMelody"]);
        Assert.Contains(corpus.Summary.Discards, d => d.Reason == DiscardReason.TooShort && d.Source == "mixed/ok.json#train/1" && d.Detail.Contains("2 notes"));
        var e = corpus.Entries[0];
        Assert.True(e.KeyEstimated);
        Assert.Equal(Key.Parse("C"), e.Melody.Key);
        Assert.Equal("mixed", e.Collection);
        Assert.Equal(Duration.Quarter, e.Melody.Notes[0].Length);
    }

    [Fact]
    public void SidecarAndOptionLabelStyleAndCollection()
    {
        var folder = Path.Combine(_dir, "root", "sub");
        Directory.CreateDirectory(folder);
        WriteChoraleJson(Path.Combine(folder, "x.json"), RandomTune(new Random(1), 12));
        File.WriteAllText(Path.Combine(_dir, "root", CorpusBuilder.SidecarName), "{\"style\":\"hymn\",\"collection\":\"bach\"}");
        var builder = new CorpusBuilder(TuneSources.Default);
        var labelled = builder.Build(new CorpusBuildOptions { Inputs = [Path.Combine(_dir, "root")] });
        Assert.Equal(("hymn", "bach"), (labelled.Entries[0].Style, labelled.Entries[0].Collection));
        var forced = builder.Build(new CorpusBuildOptions { Inputs = [Path.Combine(_dir, "root")], Style = "chorale" });
        Assert.Equal("chorale", forced.Entries[0].Style);
        Assert.Contains("chorale", forced.Entries[0].Melody.Info.Styles);
    }

    [Fact]
    public void LicencesComeFromTheSidecarOrTheOptionsAndTravelInTheCorpusFile()
    {
        var bach = Path.Combine(_dir, "lic", "bach");
        var folk = Path.Combine(_dir, "lic", "folk");
        var other = Path.Combine(_dir, "lic", "other");
        foreach (var (dir, seed) in new[] { (bach, 1), (folk, 2), (other, 3) })
        {
            Directory.CreateDirectory(dir);
            WriteChoraleJson(Path.Combine(dir, "x.json"), RandomTune(new Random(seed), 12));
        }
        File.WriteAllText(Path.Combine(bach, CorpusBuilder.SidecarName), "{\"collection\":\"bach\",\"licence\":\"public domain\"}");
        File.WriteAllText(Path.Combine(folk, CorpusBuilder.SidecarName), "{\"licence\":\"CC BY 4.0\"}");
        var builder = new CorpusBuilder(TuneSources.Default);
        var corpus = builder.Build(new CorpusBuildOptions
        {
            Inputs = [bach, folk, other],
            Licences = ImmutableSortedDictionary<string, string>.Empty.Add("folk", "MIT (told)").Add("absent", "not in the corpus"),
        });
        // The sidecar names bach's licence; the option wins over folk's sidecar; other has none; a collection not kept is dropped.
        Assert.Equal(["bach", "folk"], corpus.Header.Licences.Keys);
        Assert.Equal("public domain", corpus.Header.Licences["bach"]);
        Assert.Equal("MIT (told)", corpus.Header.Licences["folk"]);
        var path = Path.Combine(_dir, "lic.corpus");
        CorpusFile.Write(path, corpus);
        Assert.Equal(corpus.Header.Licences, CorpusFile.Read(path).Header.Licences);
        Assert.Throws<ArgumentException>(() => builder.Build(new CorpusBuildOptions
            { Inputs = [bach], Licences = ImmutableSortedDictionary<string, string>.Empty.Add("bach", " ") }));
    }

    [Fact]
    public void EmptyOrMissingInputIsAClearError()
    {
        var builder = new CorpusBuilder(TuneSources.Default);
        Assert.Throws<DirectoryNotFoundException>(() => builder.Build(new CorpusBuildOptions { Inputs = [Path.Combine(_dir, "nope")] }));
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<FileNotFoundException>(() => builder.Build(new CorpusBuildOptions { Inputs = [empty] }));
        Assert.Contains("No music files", e.Message);
        Assert.Throws<ArgumentException>(() => builder.Build(new CorpusBuildOptions()));
    }

    [Fact]
    public void QuantizationSnapsOffGridMelodiesAndRecordsTheError()
    {
        var notes = new[]
        {
            new Note(Pitch.Parse("C4"), Duration.FromQuarters(1, 48), Duration.FromQuarters(47, 48)),
            new Note(Pitch.Parse("D4"), Duration.FromQuarters(1), Duration.FromQuarters(1, 3)),
            new Note(Pitch.Parse("E4"), Duration.FromQuarters(4, 3), Duration.FromQuarters(2, 3)),
        };
        var (q, err) = CorpusBuilder.QuantizeMelody(Melody.Create(notes), QuantizationGrid.Default);
        Assert.Equal(Duration.Zero, q.Notes[0].Start);
        Assert.Equal(Duration.FromQuarters(1, 3), q.Notes[1].Length);
        Assert.Equal(1.0 / 48 / 3, err, 9);
        var (same, zero) = CorpusBuilder.QuantizeMelody(q, QuantizationGrid.Default);
        Assert.Same(q, same);
        Assert.Equal(0, zero);
    }

    [Fact]
    public void CorpusFileRoundTripsAndStreams()
    {
        var m = Line("C4 D4/2 E4/2 F4:1/3 G4:2/3 A4:2", "F", "3/4", ["F", "C7/E"])
            .WithTempos([TempoChange.FromBpm(Duration.Zero, 96)])
            .WithInfo(new MelodyInfo { Title = "T", Styles = ["jig"], Fields = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("C", "Trad") });
        var entries = new[] { Entry(m, "a", split: CorpusSplit.Test, keyEstimated: true), Entry(m.Transpose(2), "b") };
        var data = new CorpusData(entries, new BuildSummary { MelodiesKept = 2 }, new CorpusHeader { ContentHash = "x" });
        var path = Path.Combine(_dir, "c.corpus");
        CorpusFile.Write(path, data);
        var back = CorpusFile.Read(path);
        Assert.Equal(2, back.Entries.Count);
        Assert.Equal(entries[0], back.Entries[0] with { Melody = back.Entries[0].Melody });
        Assert.Equal(m, back.Entries[0].Melody);
        Assert.Equal(entries[1].Melody, back.Entries[1].Melody);
        Assert.Equal(2, back.Header.Count);
        Assert.Equal(["a", "b"], CorpusFile.Stream(path).Select(e => e.Id));
        Assert.Equal(["c.corpus"], Directory.GetFiles(_dir).Select(Path.GetFileName)); // no temporary file is left
    }

    [Fact]
    public void CorpusFileRefusesOtherVersionsAndDamage()
    {
        var path = Path.Combine(_dir, "c.corpus");
        CorpusFile.Write(path, new CorpusData([Entry(Line("C4 D4 E4"))], new BuildSummary(), new CorpusHeader()));
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 99; // format version
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CorpusFormatException>(() => CorpusFile.Read(path));
        Assert.Contains("version 99", e.Message);
        Assert.Contains("rebuild", e.Message);

        CorpusFile.Write(path, new CorpusData([Entry(Line("C4 D4 E4"))], new BuildSummary(), new CorpusHeader()));
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^5]);
        Assert.Throws<CorpusFormatException>(() => CorpusFile.Read(path));
        File.WriteAllText(path, "not a corpus");
        Assert.Contains("not a Melos corpus", Assert.Throws<CorpusFormatException>(() => CorpusFile.Read(path)).Message);
    }

    [Fact]
    public void JsonThatIsNotTheSeparatedChoraleFormatIsNotRead()
    {
        var pianoRoll = Path.Combine(_dir, "roll.json");
        File.WriteAllText(pianoRoll, "{\"train\":[[[60,64,67,72],[60,64]]]}");
        Assert.False(new JsbChoraleSource().CanRead(pianoRoll));
        var chorale = Path.Combine(_dir, "ok.json");
        WriteChoraleJson(chorale, [60, 60, 62]);
        Assert.True(new JsbChoraleSource().CanRead(chorale));
    }
}
