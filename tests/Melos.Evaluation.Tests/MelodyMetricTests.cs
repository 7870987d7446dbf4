using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Evaluation.Tests;

public sealed class MusPyMetricTests
{
    [Fact]
    public void C_major_scale_has_the_hand_computed_metrics()
    {
        var m = Tunes.CMajorScale;
        var v = MusPyMetrics.Of(m);
        Assert.Equal(12, v.PitchRange);
        Assert.Equal(8, v.PitchesUsed);
        Assert.Equal(7, v.PitchClassesUsed);
        Assert.Equal(1.0, v.PitchInScaleRate);
        Assert.Equal(1.0, v.ScaleConsistency);
        // Eight distinct pitches once each: log2 8 = 3 bits. Pitch classes: C twice, six others once:
        // -(2/8 log2 2/8) - 6 (1/8 log2 1/8) = 0.5 + 2.25 = 2.75 bits.
        Assert.Equal(3.0, v.PitchEntropy, 12);
        Assert.Equal(2.75, v.PitchClassEntropy, 12);
        Assert.Equal(0.0, v.EmptyBeatRate);
        Assert.Equal(1.0, v.GrooveConsistency); // both bars: onsets on the four beats
        // In G major, F natural is outside the scale: 7 of 8 notes.
        Assert.Equal(7.0 / 8, MusPyMetrics.PitchInScaleRate(m, Key.Parse("G")), 12);
        Assert.Equal(1.0, MusPyMetrics.PitchInScaleRate(m, Key.Parse("Am")), 12);
    }

    [Fact]
    public void Chromatic_scale_is_in_no_scale_and_has_maximal_pitch_class_entropy()
    {
        var m = Tunes.Of("C4 C#4 D4 D#4 E4 F4 F#4 G4 G#4 A4 A#4 B4");
        Assert.Equal(7.0 / 12, MusPyMetrics.ScaleConsistency(m), 12);
        Assert.Equal(Math.Log2(12), MusPyMetrics.PitchClassEntropy(m), 12);
        Assert.Equal(1.0, MusPyMetrics.Entropy([5, 9]), 12);
        Assert.True(double.IsNaN(MusPyMetrics.Entropy([])));
    }

    [Fact]
    public void Empty_beats_are_quarter_notes_in_which_nothing_sounds()
    {
        // Notes on beats 0 and 2 of one 4/4 bar: beats 1 and 3 are silent.
        Assert.Equal(0.5, MusPyMetrics.EmptyBeatRate(Tunes.Of("C4 r D4", length: Duration.FromQuarters(4))), 12);
        // An eighth from 1.5 to 2 touches beat 1: only beat 3 is silent.
        Assert.Equal(0.25, MusPyMetrics.EmptyBeatRate(Tunes.Of("C4 r/2 E4/2 D4", length: Duration.FromQuarters(4))), 12);
        // A trailing rest counts: a half note in a melody 6 quarters long leaves 4 of 6 beats silent.
        Assert.Equal(4.0 / 6, MusPyMetrics.EmptyBeatRate(Tunes.Of("C4:2", length: Duration.FromQuarters(6))), 12);
    }

    [Fact]
    public void Groove_consistency_counts_onset_positions_that_differ_between_consecutive_bars()
    {
        // Bar 1: onsets at 0, 1, 2, 3 quarters; bar 2: at 0 and 2. Two positions of 48 differ.
        var m = Tunes.Of("C4 D4 E4 F4 G4:2 A4:2");
        Assert.Equal(1 - 2.0 / 48, MusPyMetrics.GrooveConsistency(m), 12);
        // Three bars: 4 -> 2 onsets (2 differ), 2 -> 4 onsets (2 differ): mean 2/48.
        Assert.Equal(1 - 2.0 / 48, MusPyMetrics.GrooveConsistency(Tunes.Of("C4 D4 E4 F4 G4:2 A4:2 C4 D4 E4 F4")), 12);
        Assert.True(double.IsNaN(MusPyMetrics.GrooveConsistency(Tunes.Of("C4 D4"))));
    }
}

public sealed class StructureMetricTests
{
    [Fact]
    public void A_bar_played_four_times_repeats_every_bar_and_every_non_overlapping_window()
    {
        var m = Tunes.Of("C4 E4 G4 E4 C4 E4 G4 E4 C4 E4 G4 E4 C4 E4 G4 E4");
        var v = StructureMetrics.Of(m);
        Assert.Equal(1.0, v.RepeatedBars);
        // 2-bar windows at bars 0, 1, 2: window 2 repeats window 0; window 1 only overlaps it.
        Assert.Equal(0.5, v.RepeatedTwoBars);
        Assert.True(double.IsNaN(v.RepeatedPhrases)); // one 4-bar phrase
        Assert.Equal(1.0, v.TonicTriadShare);           // C E G only
        Assert.Equal(0.0, v.EndsOnTonic);               // ends on E
        Assert.Equal(1.0, v.PhraseEndsOnTriad);          // its one phrase ends on E, in the triad
    }

    [Fact]
    public void Distinct_bars_do_not_repeat_and_cadences_follow_the_key()
    {
        var m = Tunes.Of("C4 D4 E4 F4 G4 A4 B4 C5 D5 C5 B4 A4 G4 F4 E4 D4 C4:4");
        var v = StructureMetrics.Of(m);
        Assert.Equal(0.0, v.RepeatedBars);
        Assert.Equal(1.0, v.EndsOnTonic);
        Assert.Equal(0.0, StructureMetrics.EndsOnTonic(m, Key.Parse("G")));
        Assert.Equal(new[] { 7, 11, 2 }, StructureMetrics.TonicTriad(Key.Parse("G")).ToArray());
        Assert.Equal(new[] { 9, 0, 4 }, StructureMetrics.TonicTriad(Key.Parse("Am")).ToArray());
        // The C major scale up and down: the best key profile correlates well.
        Assert.True(v.TonalStability > 0.7, $"{v.TonalStability}");
    }

    [Fact]
    public void After_a_pickup_phrases_start_at_bar_one()
    {
        // A quarter pickup (three quarters of rest), then 8 bars: phrase ends at bars 4 and 8 land on C.
        var bar = "E4 F4 G4 A4 ";
        var tune = Tunes.Of("r:3 G4 " + bar + bar + bar + "D4 E4 F4 C4 " + bar + bar + bar + "D4 E4 F4 C4");
        Assert.Equal(1, StructureMetrics.PhraseOffset(tune));
        Assert.Equal(1.0, StructureMetrics.PhraseEndsOnTriad(tune, Key.CMajor));
        Assert.Equal(1.0, StructureMetrics.RepeatedWindows(tune, 4, 4, 1));
        Assert.Equal(0, StructureMetrics.PhraseOffset(Tunes.CMajorScale));
    }
}

public sealed class NoveltyTests
{
    private static readonly Random Rng = new(11);
    private static readonly List<Melody> Training = [.. Enumerable.Range(0, 30).Select(i => Tunes.Stepwise(Rng, 8).WithInfo(new MelodyInfo { Source = $"train-{i}" }))];
    private static readonly NoveltyIndex Index = NoveltyIndex.Build(Training);

    [Fact]
    public void A_copied_tune_is_found_in_every_window_and_in_one_run()
    {
        var copy = Training[7];
        var report = Index.Measure([copy]);
        foreach (var n in NoveltyIndex.WindowSizes)
        {
            var w = report.For(n);
            Assert.Equal(8 - n + 1, w.Windows);
            Assert.Equal(1.0, w.VerbatimShare);
            Assert.Equal(1.0, w.TransposedShare);
        }
        Assert.Equal(copy.Notes.Length, report.Runs[0].Notes);
        Assert.Equal(copy.Notes.Length, report.Runs[0].TransposedNotes);
        // A shorter copy may appear in several tunes; the whole tune is only in its source.
        Assert.Equal("train-7", report.Runs[0].TrainingMelody);
    }

    [Fact]
    public void A_transposed_copy_is_found_only_up_to_transposition()
    {
        var copy = Training[3].Transpose(1);
        var report = Index.Measure([copy]);
        Assert.Equal(0.0, report.For(4).VerbatimShare);
        Assert.Equal(1.0, report.For(4).TransposedShare);
        Assert.Equal(copy.Notes.Length, report.Runs[0].TransposedNotes);
        Assert.True(report.Runs[0].Notes < copy.Notes.Length / 2, $"{report.Runs[0].Notes}");
    }

    [Fact]
    public void Random_notes_share_no_four_bar_window_and_half_a_copied_tune_is_half_copied()
    {
        var rng = new Random(2);
        var random = Enumerable.Range(0, 10).Select(_ => Tunes.RandomNotes(rng, 8)).ToList();
        var report = Index.Measure(random);
        Assert.Equal(0, report.For(4).Verbatim);
        Assert.Equal(0, report.For(2).Verbatim);
        Assert.True(report.LongestRun!.Max <= 3, $"{report.LongestRun.Max}");

        // Four bars of a training tune, then four bars of random notes: 1 of 5 four-bar windows copied.
        var head = MelodySet.CropMelody(Training[0], 4);
        var tail = Tunes.RandomNotes(new Random(4), 4);
        var spliced = Melody.Create(head.Notes.Concat(tail.Notes.Select(n => n with { Start = n.Start + Duration.FromQuarters(16) })), head.Key,
            head.Meters, length: Duration.FromQuarters(32));
        var s = Index.Measure([spliced]);
        Assert.Equal(5, s.For(4).Windows);
        Assert.Equal(1, s.For(4).Verbatim);
        Assert.True(s.Runs[0].Notes >= head.Notes.Length - 1, $"{s.Runs[0].Notes} of {head.Notes.Length}");
    }

    private sealed class Sequences
    {
        public static Arbitrary<(int[], int[])> Pair() =>
            Gen.Zip(Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 3), n)), Gen.Choose(0, 25).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 3), n))).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(Sequences)], MaxTest = 300)]
    public void Suffix_automaton_finds_the_longest_common_substring((int[] Text, int[] Query) pair)
    {
        var (text, query) = pair;
        int brute = 0;
        for (int i = 0; i < query.Length; i++)
            for (int j = 0; j < text.Length; j++)
            {
                int k = 0;
                while (i + k < query.Length && j + k < text.Length && query[i + k] == text[j + k]) k++;
                brute = Math.Max(brute, k);
            }
        var (length, end) = new SuffixAutomaton(text).LongestMatch(query);
        Assert.Equal(brute, length);
        if (length > 0)
        {
            // The reported end closes an occurrence of some length-L substring of the query.
            var found = text[(end - length + 1)..(end + 1)];
            bool inQuery = Enumerable.Range(0, query.Length - length + 1).Any(i => query.AsSpan(i, length).SequenceEqual(found));
            Assert.True(inQuery);
        }
    }
}

public sealed class MelodySetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Cropping_keeps_the_first_bars_and_shortens_notes_at_the_cut()
    {
        var m = Tunes.Of("C4 D4 E4 F4:2 G4:2 A4 B4 C5 D5");
        var c = MelodySet.CropMelody(m, 1);
        // F4 starts at 3 and would end at 5: shortened to 1.
        Assert.Equal(["C4@0+1", "D4@1+1", "E4@2+1", "F4@3+1"], c.Notes.Select(n => n.ToString()));
        Assert.Equal(Duration.FromQuarters(4), c.Length);
        Assert.Same(m, MelodySet.CropMelody(m, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelodySet.CropMelody(m, 0));
    }

    [Fact]
    public void Cropping_drops_a_pickup_bar_so_the_cut_starts_on_a_downbeat()
    {
        // A quarter pickup in 3/4 (two quarters of rest), then two bars.
        var m = Tunes.Of("r:2 G4 C5 D5 E5 F5 E5 D5", meter: "3/4");
        Assert.True(MelodySet.HasPickup(m));
        var set = MelodySet.Create("x", [m, Tunes.CMajorScale]).Crop(1);
        Assert.Equal(["C5@0+1", "D5@1+1", "E5@2+1"], set.Melodies[0].Notes.Select(n => n.ToString()));
        Assert.Equal(TimeSignature.Parse("3/4"), set.Melodies[0].Meter);
        Assert.Equal(Duration.FromQuarters(3), set.Melodies[0].Length);
        Assert.Equal(4, set.Melodies[1].Notes.Length);
        Assert.False(MelodySet.HasPickup(Tunes.CMajorScale));
        Assert.False(MelodySet.HasPickup(Tunes.Of("r:3 C4", meter: "3/4"))); // silence for a whole bar is not a pickup
    }

    [Fact]
    public void Locations_read_corpus_splits_and_folders_and_name_what_is_wrong()
    {
        var corpus = Path.Combine(_dir, "x.corpus");
        File.WriteAllText(corpus, "not really");
        Assert.Equal(new SetLocation(corpus, Melos.Data.Corpus.CorpusSplit.Valid), SetLocation.Parse(corpus + ":valid", Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Equal(new SetLocation(corpus, Melos.Data.Corpus.CorpusSplit.Test), SetLocation.Parse(corpus, Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Equal(new SetLocation(_dir, null), SetLocation.Parse(_dir, Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Equal("x.corpus:valid", SetLocation.Parse(corpus + ":valid", Melos.Data.Corpus.CorpusSplit.Test).DisplayName);
        var bad = Assert.Throws<MelodySetException>(() => SetLocation.Parse(corpus + ":tset", Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Contains("unknown split 'tset'", bad.Message);
        var missing = Assert.Throws<MelodySetException>(() => SetLocation.Parse(Path.Combine(_dir, "nope"), Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Contains("no such file or folder", missing.Message);
        var damaged = Assert.Throws<MelodySetException>(() => MelodySources.Load(new SetLocation(corpus, Melos.Data.Corpus.CorpusSplit.Test)));
        Assert.Contains("not a Melos corpus", damaged.Message);
    }

    [Fact]
    public void A_folder_with_each_melody_as_mid_abc_and_musicxml_yields_each_melody_once()
    {
        var rng = new Random(8);
        var formats = Melos.Formats.FormatRegistry.Default;
        for (int i = 1; i <= 3; i++)
        {
            var m = Tunes.Stepwise(rng, 2);
            foreach (var ending in new[] { ".mid", ".abc", ".musicxml" }) formats.Write(Path.Combine(_dir, $"melody-0{i}{ending}"), m);
        }
        File.WriteAllText(Path.Combine(_dir, "only.abc"), Melos.Formats.Abc.AbcWriter.Write(Tunes.CMajorScale, 1));
        var solo = Tunes.Stepwise(rng, 2);
        formats.Write(Path.Combine(_dir, "solo.MXL"), solo); // MusicXML alone, compressed, the ending in capitals
        var set = MelodySources.Load(SetLocation.Parse(_dir, Melos.Data.Corpus.CorpusSplit.Test));
        Assert.Equal(5, set.Count);
        Assert.Contains(set.Melodies, m => m.Notes.Select(n => n.Pitch.Number).SequenceEqual(Tunes.CMajorScale.Notes.Select(n => n.Pitch.Number)));
        Assert.Contains(set.Melodies, m => m.Notes.Select(n => n.Pitch.Number).SequenceEqual(solo.Notes.Select(n => n.Pitch.Number)));
        var empty = Directory.CreateTempSubdirectory("melos-eval-empty-").FullName;
        try
        {
            Assert.Contains("no music files (.mid, .midi, .abc, .musicxml, .xml, .mxl, chorale .json, recordings .wav, .flac, .mp3, .ogg, .oga) found",
                Assert.Throws<MelodySetException>(() => MelodySources.Load(new SetLocation(empty, null))).Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}

public sealed class ProportionTests
{
    [Fact]
    public void Wilson_interval_matches_published_values()
    {
        var (lo, hi) = Proportion.Wilson(50, 100);
        Assert.Equal(0.4038, lo, 4);
        Assert.Equal(0.5962, hi, 4);
        (lo, hi) = Proportion.Wilson(0, 10);
        Assert.Equal(0.0, lo, 12);
        Assert.Equal(0.2775, hi, 4);
        (lo, hi) = Proportion.Wilson(10, 10);
        Assert.Equal(0.7225, lo, 4);
        Assert.Equal(1.0, hi, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportion.Wilson(11, 10));
    }
}
