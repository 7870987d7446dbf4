using Melos.Formats.Abc;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Formats.Tests.Abc;

/// <summary>The three real collections load completely; every problem is reported, none dropped silently.</summary>
public sealed class AbcCollectionsTests(ITestOutputHelper output)
{
    [DatasetFact]
    public void Every_tune_of_the_three_collections_loads_when_lenient_and_each_repair_is_reported()
    {
        int tunes = 0, skipped = 0, issues = 0, withChords = 0, annotations = 0;
        foreach (var file in Abc2MidiCrossCheck.CollectionFiles())
        {
            var r = AbcReader.Load(file, AbcReadSettings.Lenient with { Collection = "test" });
            tunes += r.Tunes.Length;
            skipped += r.Skipped.Length;
            issues += r.Issues.Count();
            annotations += r.Tunes.Sum(t => t.SkippedAnnotations);
            withChords += r.Tunes.Count(t => !t.Melody.Chords.IsEmpty);
            foreach (var t in r.Tunes)
            {
                Assert.NotEmpty(t.Melody.Notes);
                Assert.Equal("test", t.Melody.Info.Collection);
                Assert.All(t.Issues, i => Assert.True(i.Line >= t.Line && i.Column >= 1, i.ToString()));
            }
        }
        output.WriteLine($"tunes {tunes}, skipped {skipped}, repaired issues {issues}, tunes with chords {withChords}, skipped annotations {annotations}");
        Assert.Equal(4102, tunes);
        Assert.Equal(0, skipped);
        Assert.True(withChords > 1000, $"{withChords} tunes with chord symbols");
    }

    [DatasetFact]
    public void Every_tune_of_the_collections_survives_write_then_strict_read()
    {
        int checkedTunes = 0;
        foreach (var file in Abc2MidiCrossCheck.CollectionFiles())
        {
            foreach (var tune in AbcReader.Load(file).Tunes)
            {
                var m = tune.Melody;
                var text = AbcWriter.Write(m, tune.Number);
                var back = AbcReader.ReadTune(text, settings: AbcReadSettings.Strict).Melody;
                Assert.True(m.Notes.SequenceEqual(back.Notes) && m.Key == back.Key && m.Meters.SequenceEqual(back.Meters) &&
                    m.Tempos.SequenceEqual(back.Tempos) && m.Chords.SequenceEqual(back.Chords) && m.Length == back.Length,
                    $"{file} X:{tune.Number} does not survive a round trip:\n{text}");
                checkedTunes++;
            }
        }
        Assert.Equal(4102, checkedTunes);
    }

    [DatasetFact]
    public void Strict_loading_lists_each_failed_tune_with_its_reason_and_still_loads_the_others()
    {
        var file = Datasets.PathOf("folk-abc", "oneills1850", "0001-0050.abc");
        var strict = AbcReader.Load(file, AbcReadSettings.Strict);
        var lenient = AbcReader.Load(file, AbcReadSettings.Lenient);
        Assert.Equal(lenient.Tunes.Length, strict.Tunes.Length + strict.Skipped.Length);
        Assert.NotEmpty(strict.Tunes);
        Assert.NotEmpty(strict.Skipped); // O'Neill's ties notes of different pitches ("G3-A")
        Assert.All(strict.Skipped, s => Assert.True(s.Number is not null && s.Reason.Line > 0 && s.Reason.Message.Contains("expected")));
    }

    [DatasetFact]
    public void Nottingham_parts_follow_the_Y_play_order()
    {
        // "Ap Shenkin": Y:AABABAC.
        var tune = AbcReader.LoadTune(Datasets.PathOf("nottingham", "ABC_cleaned", "jigs.abc"), 4);
        Assert.Equal("AABABAC", tune.Melody.Info.Fields["Y"]);
        var once = AbcReader.ReadTune(File.ReadAllText(Datasets.PathOf("nottingham", "ABC_cleaned", "jigs.abc")).Replace("Y:AABABAC", "Y:A"), 4);
        Assert.True(tune.Melody.Notes.Length > 3 * once.Melody.Notes.Length);
    }
}
