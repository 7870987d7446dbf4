using Melos.Formats.Abc;

namespace Melos.Formats.Tests.Abc;

/// <summary>The ABC reader's limits hold under every policy: a tune over a limit is skipped with a typed reason, never cut short.</summary>
public sealed class AbcLimitTests
{
    private static readonly AbcReadSettings[] Both = [AbcReadSettings.Lenient, AbcReadSettings.Strict];

    [Fact]
    public void NotesAreCountedAsPerformedWithRepeatsExpanded()
    {
        // 4 notes written, 8 performed; the second tune is within any limit and still loads.
        const string abc = "X:1\nL:1/4\nK:C\n|:CDEF:|\n\nX:2\nL:1/4\nK:C\nG2|\n";
        foreach (var s in Both)
        {
            Assert.Equal(8, AbcReader.ReadTune(abc, 1, settings: s with { MaxNotesPerTune = 8 }).Melody.Notes.Length);
            var load = AbcReader.Parse(abc, "t.abc", s with { MaxNotesPerTune = 7 });
            Assert.Equal([2], load.Tunes.Select(t => t.Number));
            var skipped = Assert.Single(load.Skipped);
            var e = Assert.IsType<AbcLimitException>(skipped.Reason);
            Assert.Equal((AbcLimit.NotesPerTune, 8L, 7L, 1), (e.Limit, e.Value, e.Maximum, e.Tune));
            Assert.Equal((4, 6), (e.Line, e.Column)); // the eighth note: the second pass's F
        }
    }

    [Fact]
    public void NotesAddUpOverTheTunesOfAFileAndTheTuneThatCrossesTheFileLimitIsSkippedWithTheRest()
    {
        // Four tunes of 8 notes each; a file limit of 20: tunes 1 and 2 load (16), tune 3 crosses at its fifth note (21).
        var abc = string.Concat(Enumerable.Range(1, 4).Select(n => $"X:{n}\nL:1/8\nK:C\nCDEF GABc|\n\n"));
        foreach (var s in Both)
        {
            var load = AbcReader.Parse(abc, "f.abc", s with { MaxNotesPerFile = 20 });
            Assert.Equal([1, 2], load.Tunes.Select(t => t.Number));
            Assert.Equal([3, 4], load.Skipped.Select(t => t.Number));
            var e = Assert.IsType<AbcLimitException>(load.Skipped[0].Reason);
            Assert.Equal((AbcLimit.NotesPerFile, 21L, 20L, 14, 6), (e.Limit, e.Value, e.Maximum, e.Line, e.Column));
            Assert.Contains("more than 20 notes and rests as performed in the file's tunes together", e.Message, StringComparison.Ordinal);
            Assert.Equal(AbcLimit.NotesPerFile, Assert.IsType<AbcLimitException>(load.Skipped[1].Reason).Limit);
            Assert.Equal(4, AbcReader.Parse(abc, "f.abc", s with { MaxNotesPerFile = 32 }).Tunes.Length);
        }
    }

    [Fact]
    public void ManyTunesEachUnderTheTuneLimitCannotAddUpWithoutBound()
    {
        // 12 tunes of 96,000 notes each (P:A4000 over 24 notes): each under the default 100,000 per tune, 1,152,000 together.
        var abc = string.Concat(Enumerable.Range(1, 12).Select(n => $"X:{n}\nP:A4000\nL:1/16\nK:C\nP:A\nCDEFGABc CDEFGABc CDEFGABc|\n\n"));
        var load = AbcReader.Parse(abc);
        Assert.Equal(10, load.Tunes.Length); // 960,000 notes
        Assert.Equal(2, load.Skipped.Length);
        Assert.All(load.Skipped, t => Assert.Equal(AbcLimit.NotesPerFile, Assert.IsType<AbcLimitException>(t.Reason).Limit));
    }

    [Fact]
    public void RestsCountTowardTheLimit()
    {
        var e = Assert.Throws<AbcLimitException>(() => AbcReader.ReadTune("X:1\nK:C\nz z z|\n", settings: AbcReadSettings.Lenient with { MaxNotesPerTune = 2 }));
        Assert.Equal(AbcLimit.NotesPerTune, e.Limit);
    }

    [Fact]
    public void APlayOrderExpandingPastTheLimitIsRefused()
    {
        const string abc = "X:1\nP:A3B2\nL:1/4\nK:C\nP:A\nC|\nP:B\nD|\n";
        Assert.Equal(5, AbcReader.ReadTune(abc, settings: AbcReadSettings.Lenient with { MaxPlayOrderParts = 5 }).Melody.Notes.Length);
        var e = Assert.Throws<AbcLimitException>(() => AbcReader.ReadTune(abc, settings: AbcReadSettings.Lenient with { MaxPlayOrderParts = 4 }));
        Assert.Equal((AbcLimit.PlayOrderParts, 5L, 4L), (e.Limit, e.Value, e.Maximum));
        // A repeat count with more digits than any int: refused, not read as its first three digits.
        var big = Assert.Throws<AbcLimitException>(() => AbcReader.ReadTune("X:1\nP:A12345678901234\nK:C\nP:A\nC|\n"));
        Assert.Equal(AbcLimit.PlayOrderParts, big.Limit);
    }

    [Fact]
    public void AnEmptyPlayOrderGroupRepeatedBillionsOfTimesIsNothing()
    {
        // Found by the abc harness as a hang (11.7 s): "()" with a count saturating to int.MaxValue looped 2^31 times.
        var tune = AbcReader.ReadTune("X:1\nP:()1111111111111111111111111111111A\nL:1/4\nK:C\nP:A\nC|\n");
        Assert.Equal([60], tune.Melody.Notes.Select(n => n.Pitch.Number));
    }

    [Fact]
    public void PlayOrderNestingDeeperThanTheLimitIsRefused()
    {
        static string Tune(int depth) => $"X:1\nP:{new string('(', depth)}A{new string(')', depth)}2\nL:1/4\nK:C\nP:A\nC|\n";
        foreach (var s in Both)
        {
            Assert.Equal(2, AbcReader.ReadTune(Tune(3), settings: s with { MaxNesting = 3 }).Melody.Notes.Length);
            var e = Assert.Throws<AbcLimitException>(() => AbcReader.ReadTune(Tune(4), settings: s with { MaxNesting = 3 }));
            Assert.Equal((AbcLimit.Nesting, 4L, 3L), (e.Limit, e.Value, e.Maximum));
        }
        Assert.Equal(AbcLimit.Nesting, Assert.Throws<AbcLimitException>(() => AbcReader.ReadTune(Tune(9))).Limit); // default 8
    }

    [Fact]
    public void ATuneThatFillsTheDefaultLimitThroughPartsIsSkippedNotTruncated()
    {
        // 40 notes in part A played 4096 times: 163,840 notes, over the default 100,000.
        var abc = "X:7\nP:A4096\nL:1/16\nK:C\nP:A\n" + string.Concat(Enumerable.Repeat("CDEFGABc|", 5)) + "\n";
        var load = AbcReader.Parse(abc);
        Assert.Empty(load.Tunes);
        var e = Assert.IsType<AbcLimitException>(Assert.Single(load.Skipped).Reason);
        Assert.Equal((AbcLimit.NotesPerTune, 100_001L, 7), (e.Limit, e.Value, e.Tune));
    }

    [Fact]
    public void AFileOrTextLargerThanTheLimitIsRefusedBeforeParsing()
    {
        const string abc = "X:1\nK:C\nCDEF|\n";
        var path = Path.Combine(Path.GetTempPath(), $"melos-limit-{Guid.NewGuid():N}.abc");
        File.WriteAllText(path, abc);
        try
        {
            var exact = AbcReadSettings.Lenient with { MaxFileBytes = abc.Length };
            Assert.Single(AbcReader.Load(path, exact).Tunes);
            Assert.Equal(4, AbcReader.LoadTune(path, settings: exact).Melody.Notes.Length);
            var small = AbcReadSettings.Lenient with { MaxFileBytes = abc.Length - 1 };
            foreach (var e in new[]
                     {
                         Assert.Throws<AbcLimitException>(() => AbcReader.Load(path, small)),
                         Assert.Throws<AbcLimitException>(() => AbcReader.LoadTune(path, settings: small)),
                         Assert.Throws<AbcLimitException>(() => AbcReader.Parse(abc, path, small)),
                     })
                Assert.Equal((AbcLimit.FileBytes, (long)abc.Length, abc.Length - 1L, path), (e.Limit, e.Value, e.Maximum, e.File));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TupletsAndChordsDoNotNest()
    {
        // A tuplet inside a tuplet restarts it; a '[' inside a chord is an unexpected symbol: depth stays 1.
        var tune = AbcReader.ReadTune("X:1\nL:1/8\nK:C\n(3CD(3EFG A|\n");
        Assert.Equal([2, 2, 2, 2, 2, 3], tune.Melody.Notes.Select(n => (int)Math.Round(n.Length.ToQuarterDouble() * 6)));
        Assert.Throws<AbcUnexpectedSymbolException>(() => AbcReader.ReadTune("X:1\nK:C\n[C[EG]]|\n", settings: AbcReadSettings.Strict));
    }

    [Fact]
    public void LimitsOutOfRangeAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AbcReadSettings.Lenient with { MaxNotesPerTune = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => AbcReadSettings.Lenient with { MaxNotesPerFile = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => AbcReadSettings.Lenient with { MaxNesting = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => AbcReadSettings.Lenient with { MaxPlayOrderParts = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => AbcReadSettings.Lenient with { MaxFileBytes = 0 });
    }
}
