using System.Text.Json;
using Melos.Data.Tokenizers;
using Melos.Evaluation.Tuning;
using Melos.Formats;
using Melos.Generation.Tuning;
using Melos.Music;

namespace Melos.Evaluation.Tests.Tuning;

/// <summary>The pieces of the tuning run that need no model: the request pools and the report.</summary>
public sealed class TuningRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-tuning-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>4 grid steps per quarter; 4/4, 3/4 and 5/16 known (5/16 is 5 sixteenths, off a grid of eighths but on this one), styles reel and jig.</summary>
    private static readonly ConditioningVocabulary Vocabulary = new() { StepsPerQuarter = 4, Meters = ["4/4", "3/4", "5/16"], Styles = ["reel", "jig"] };

    private static Melody Tune(Key? key, string meter = "4/4", string[]? chords = null, string[]? styles = null)
    {
        var notes = NoteSequence.Parse("C4 D4 E4 F4 G4 A4 B4 C5");
        var chordChanges = (chords ?? []).Select((c, b) => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(c)));
        return Melody.Create(notes, key, [new MeterChange(Duration.Zero, TimeSignature.Parse(meter))], chords: chordChanges,
            info: new MelodyInfo { Styles = [.. styles ?? []] });
    }

    [Fact]
    public void RequestsLeaveOutMelodiesWithoutAKeyOrWithAMeterTheModelCannotServe()
    {
        var melodies = new[]
        {
            Tune(Key.Parse("G")),
            Tune(null),
            Tune(Key.Parse("D"), "7/8"), // not in the vocabulary
            Tune(Key.Parse("F"), "3/4"),
        };
        var requests = TuningRun.Requests(melodies, Vocabulary, bars: 2, max: 10, seed: 1);
        Assert.Equal(["F", "G"], requests.Select(r => r.Key!.Tonic.ToString()).Order());
        Assert.All(requests, r => Assert.True(r.Pitches.Chromatic));
        Assert.All(requests, r => Assert.Equal(2, r.Bars));

        // A meter in the vocabulary but off its grid: 5/16 is 2.5 steps a bar at 2 steps per quarter.
        var coarse = Vocabulary with { StepsPerQuarter = 2 };
        Assert.Empty(TuningRun.Requests([Tune(Key.CMajor, "5/16")], coarse, 2, 10, 1));
        Assert.Single(TuningRun.Requests([Tune(Key.CMajor, "5/16")], Vocabulary, 2, 10, 1));
    }

    [Fact]
    public void RequestsTakeTheMeterStyleAndChordsOnlyWhenEveryBarHasOne()
    {
        var full = TuningRun.Requests([Tune(Key.CMajor, chords: ["C", "G"], styles: ["hornpipe", "jig"])], Vocabulary, 2, 10, 1).Single();
        Assert.Equal(["C", "G"], full.Chords.Select(c => c.Chord.ToString()));
        Assert.Equal("jig", full.Style);
        Assert.Equal(TimeSignature.CommonTime, full.Meter);

        // A chord held over from bar 1 serves bar 2 too; chords from bar 2 on leave bar 1 without one: none are kept.
        // No style the model knows: none.
        var held = TuningRun.Requests([Tune(Key.CMajor, chords: ["C"])], Vocabulary, 2, 10, 1).Single();
        Assert.Equal(["C", "C"], held.Chords.Select(c => c.Chord.ToString()));
        var late = Tune(Key.CMajor, styles: ["hornpipe"]).WithChords([new ChordChange(Duration.FromQuarters(4), ChordSymbol.Parse("G"))]);
        var partial = TuningRun.Requests([late], Vocabulary, 2, 10, 1).Single();
        Assert.Empty(partial.Chords);
        Assert.Null(partial.Style);
    }

    [Fact]
    public void RequestsAreAtMostMaxAndDeterministicInTheSeed()
    {
        var keys = new[] { "C", "G", "D", "A", "E", "B", "F", "Bb", "Eb", "Ab", "Db", "Gb" };
        var melodies = keys.Select(k => Tune(Key.Parse(k))).ToList();
        string Keys(int seed, int max) => string.Join(' ', TuningRun.Requests(melodies, Vocabulary, 2, max, seed).Select(r => r.Key!.Tonic.ToString()));
        Assert.Equal(5, TuningRun.Requests(melodies, Vocabulary, 2, 5, 7).Count);
        Assert.Equal(12, TuningRun.Requests(melodies, Vocabulary, 2, 100, 7).Count);
        Assert.Equal(Keys(7, 5), Keys(7, 5));
        Assert.NotEqual(Keys(7, 12), Keys(8, 12));
        // The seeded shuffle: the first five of the whole pool are the pool of five.
        Assert.StartsWith(Keys(7, 5), Keys(7, 12), StringComparison.Ordinal);
    }

    private static TuningReport Report(double nllBefore, double nllAfter)
    {
        var reward = RewardRegistry.CreateDefault().Parse("in-key=1,resolve-leaps=0.5");
        var inKey = Tune(Key.CMajor);
        var outOfKey = Melody.Create(NoteSequence.Parse("C4 C#4 D#4 F#4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);
        TuningMeasurement M(string name, IReadOnlyList<Melody> ms, double nll, double? kl) =>
            new(name, reward.Summarize(ms), ms.Average(reward.Score), double.NaN, 0.25, nll, nll * 2, 3, kl, ms);
        return new TuningReport("models/a", "models/b", reward.Spec, new TuningConfig { Steps = 3, BatchSize = 4 }, new TuningState { Step = 3, StopReason = "max-steps" },
            TimeSpan.FromSeconds(12.34), 2, 2, M("original", [outOfKey, inKey], nllBefore, null), M("tuned", [inKey, inKey], nllAfter, 0.0123));
    }

    [Fact]
    public void ReportJsonHasTheDocumentedKeysAndTheRelativeNllChange()
    {
        var report = Report(2.0, 2.5);
        Assert.Equal(0.25, report.TestNllRelativeChange, 12);
        var doc = JsonDocument.Parse(report.ToJson().ToJsonString()).RootElement;
        Assert.Equal(["model", "out", "reward", "config", "steps", "stopReason", "seconds", "samples", "bars", "before", "after", "testNllRelativeChange"],
            doc.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.25, doc.GetProperty("testNllRelativeChange").GetDouble(), 12);
        Assert.Equal(12.3, doc.GetProperty("seconds").GetDouble());
        Assert.Equal("max-steps", doc.GetProperty("stopReason").GetString());
        Assert.Equal(4, doc.GetProperty("config").GetProperty("batchSize").GetInt32());
        var before = doc.GetProperty("before");
        Assert.Equal(["rules", "meanReward", "meanOverlapArea", "fourBarCopied", "testNllPerToken", "testBitsPerNote", "testMelodies", "klPerToken"],
            before.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, before.GetProperty("meanOverlapArea").ValueKind);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("klPerToken").ValueKind);
        Assert.Equal(0.0123, doc.GetProperty("after").GetProperty("klPerToken").GetDouble());
        var rule = before.GetProperty("rules")[0];
        Assert.Equal("in-key", rule.GetProperty("name").GetString());
        Assert.Equal(["name", "weight", "checks", "violations", "violationRate", "satisfactionRate", "melodiesWithViolation"], rule.EnumerateObject().Select(p => p.Name));
        Assert.True(rule.GetProperty("violations").GetInt32() > 0);
        Assert.Equal(0, doc.GetProperty("after").GetProperty("rules")[0].GetProperty("violations").GetInt32());
        Assert.Equal(-0.5, Report(2.0, 1.0).TestNllRelativeChange, 12);
    }

    [Fact]
    public void ReportRowsShowChangesInPercentAndDashesForWhatIsNotDefined()
    {
        var rows = Report(2.0, 2.5).Rows().ToList();
        Assert.All(rows, r => Assert.Equal(4, r.Length));
        var inKey = rows.Single(r => r[0] == "in-key (w 1) violation rate");
        Assert.Equal("0.0%", inKey[2]);
        Assert.Equal("-100.0%", inKey[3]);
        Assert.Equal(["test NLL (nats/token)", "2.0000", "2.5000", "+25.0%"], rows.Single(r => r[0].StartsWith("test NLL", StringComparison.Ordinal)));
        Assert.Equal(["mean overlap area vs test", "-", "-", ""], rows.Single(r => r[0].StartsWith("mean overlap", StringComparison.Ordinal)));
        Assert.Equal(["KL to original per token (samples)", "0", "0.01230", ""], rows[^1]);
        Assert.Equal("new", TuningReport.Change(0, 1));
        Assert.Equal("0", TuningReport.Change(0, 0));
    }

    [Fact]
    public void WriteWritesTheJsonTheMarkdownTableAndTheSamplesAsMidi()
    {
        var report = Report(2.0, 2.5);
        var dir = Path.Combine(_dir, "report");
        report.Write(dir);
        var md = File.ReadAllText(Path.Combine(dir, TuningReport.MarkdownFile));
        Assert.StartsWith("# RL tuning of models/a\n\nReward `in-key=1,resolve-leaps=0.5`, KL weight 0.05, 3 steps of 4 melodies", md.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("| measure | original | tuned | change |", md);
        Assert.Contains("| test NLL (nats/token) | 2.0000 | 2.5000 | +25.0% |", md);
        Assert.Equal(0.25, JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, TuningReport.JsonFile))).RootElement.GetProperty("testNllRelativeChange").GetDouble(), 12);
        foreach (var side in new[] { "before", "after" })
        {
            Assert.Equal(["melody-001.mid", "melody-002.mid"], Directory.GetFiles(Path.Combine(dir, side)).Select(Path.GetFileName).Order());
            var back = FormatRegistry.Default.Read(Path.Combine(dir, side, "melody-002.mid"));
            Assert.Equal(report.After.Melodies[1].Notes.Length, back.Notes.Length);
        }
    }
}
