using Melos.Formats.Abc;
using Melos.Music;

namespace Melos.Formats.Tests.Abc;

/// <summary>One focused test per ABC construct.</summary>
public sealed class AbcReaderTests
{
    private static AbcTune Tune(string body, string header = "M:none\nL:1/8\nK:C", AbcReadSettings? settings = null) =>
        AbcReader.ReadTune($"X:1\nT:Test\n{header}\n{body}\n", settings: settings ?? AbcReadSettings.Strict);

    private static Melody Read(string body, string header = "M:none\nL:1/8\nK:C") => Tune(body, header).Melody;

    /// <summary>Notes as <c>pitch@start+length</c> (start and length in quarters).</summary>
    private static string Notes(Melody m) => string.Join(" ", m.Notes.Select(n => $"{n.Pitch.Number}@{n.Start}+{n.Length}"));

    private static int[] Pitches(Melody m) => [.. m.Notes.Select(n => n.Pitch.Number)];

    // ---- files, tunes and header fields

    [Fact]
    public void A_file_holds_many_tunes_and_a_broken_one_does_not_stop_the_others()
    {
        var text = "X:1\nT:One\nK:C\nCDE|\n\nX:2\nT:Two\nK:Bz\nCDE|\n\nX:3\nT:Three\nK:G\nF|\n";
        var result = AbcReader.Parse(text, "f.abc", AbcReadSettings.Strict);
        Assert.Equal([1, 3], result.Tunes.Select(t => t.Number));
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(2, skipped.Number);
        Assert.Equal("Two", skipped.Title);
        var e = Assert.IsType<AbcFieldValueException>(skipped.Reason);
        Assert.Equal(("f.abc", 2, 8, 3), (e.File, e.Tune, e.Line, e.Column));
        Assert.Contains("expected a mode name", e.Message);
        Assert.Equal(66, result.Tune(3)!.Melody.Notes[0].Pitch.Number); // F# in G
    }

    [Fact]
    public void Every_header_field_is_kept_and_lyrics_are_skipped()
    {
        var tune = AbcReader.ReadTune("X:7\nT:Title\nT:Alt\nC:Composer\nO:Ireland\nR:Reel\nN:note\nS:src\nZ:me\nH:hist\nB:book\nD:disc\nF:file\nG:grp\nY:AB\nW:words\nQ:1/4=100\nM:6/8\nL:1/8\nK:D\nw:la la\nAB|\n");
        var f = tune.Melody.Info.Fields;
        Assert.Equal("Title", tune.Title);
        Assert.Equal("Title\nAlt", f["T"]);
        foreach (var (k, v) in new[] { ("C", "Composer"), ("O", "Ireland"), ("R", "Reel"), ("N", "note"), ("S", "src"), ("Z", "me"), ("H", "hist"), ("B", "book"), ("D", "disc"), ("F", "file"), ("G", "grp"), ("Y", "AB"), ("Q", "1/4=100"), ("M", "6/8"), ("L", "1/8"), ("K", "D") })
            Assert.Equal(v, f[k]);
        Assert.False(f.ContainsKey("W"));
        Assert.Equal(["reel"], tune.Melody.Info.Styles.ToArray());
        Assert.Equal(2, tune.Melody.Notes.Length);
    }

    // ---- keys, meters, lengths, tempo

    [Theory]
    [InlineData("K:G", "G major", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:Ador", "A dorian", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:Emin", "E minor", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:D mix", "D mixolydian", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K: G", "G major", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:EM", "E minor", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:AMix", "A mixolydian", new[] { 67, 69, 71, 73, 74, 76, 78 })]
    [InlineData("K:Dmix=c", "D mixolydian", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:Glyd % comment", "G lydian", new[] { 67, 69, 71, 73, 74, 76, 78 })]
    [InlineData("K:Bb", "Bb major", new[] { 67, 69, 70, 72, 74, 75, 77 })]
    [InlineData("K:D exp ^f", "D major", new[] { 67, 69, 71, 72, 74, 76, 78 })]
    [InlineData("K:HP", "A mixolydian", new[] { 67, 69, 71, 73, 74, 76, 78 })]
    [InlineData("K:F#m", "F# minor", new[] { 68, 69, 71, 73, 74, 76, 78 })]
    public void Keys_with_modes_set_the_signature(string field, string key, int[] gabcdef)
    {
        var m = Read("GABcdef", "M:4/4\nL:1/8\n" + field);
        Assert.Equal(key, m.Key!.ToString());
        Assert.Equal(gabcdef, Pitches(m));
    }

    [Fact]
    public void An_unknown_mode_is_repaired_as_major_when_lenient_and_raises_when_strict()
    {
        var lenient = Tune("F", "K:Bn", AbcReadSettings.Lenient);
        Assert.Equal("B major", lenient.Melody.Key!.ToString());
        Assert.Contains(lenient.Issues, i => i.Message.Contains("unknown mode 'n'") && i.Line == 3);
        var e = Assert.Throws<AbcFieldValueException>(() => Tune("F", "K:Bn"));
        Assert.Equal((3, 3), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("M:C", 4, 4)]
    [InlineData("M:C|", 2, 2)]
    [InlineData("M:6/8", 6, 8)]
    [InlineData("M: 9/8", 9, 8)]
    public void Meters_are_read(string field, int num, int den)
    {
        var m = Read("A8", field + "\nL:1/8\nK:C");
        Assert.Equal(new TimeSignature(num, den), m.Meter);
    }

    [Fact]
    public void M_none_gives_no_meter_and_no_pickup()
    {
        var m = Read("A | B2", "M:none\nL:1/8\nK:C");
        Assert.Empty(m.Meters);
        Assert.Equal("69@0+1/2 71@1/2+1", Notes(m));
    }

    [Theory]
    [InlineData("M:2/4", "1/4")]   // L absent, meter below 3/4: 1/16
    [InlineData("M:3/4", "1/2")]   // 3/4 and above: 1/8
    [InlineData("M:6/8", "1/2")]
    [InlineData("M:none", "1/2")]
    public void The_default_unit_length_follows_the_standard(string meter, string quarters)
    {
        var m = Read("A", meter + "\nK:C");
        Assert.Equal(Duration.Parse(quarters), m.Notes[0].Length);
    }

    [Fact]
    public void Tempo_is_read_in_both_forms()
    {
        Assert.Equal(120, Read("A", "M:4/4\nL:1/8\nQ:1/4=120\nK:C").Tempos[0].Bpm, 3);
        Assert.Equal(60, Read("A", "M:6/8\nL:1/8\nQ:3/8=40\nK:C").Tempos[0].Bpm, 3);
        Assert.Equal(60, Read("A", "M:4/4\nL:1/8\nQ:120\nK:C").Tempos[0].Bpm, 3); // 120 eighths a minute
        Assert.Equal(90, Read("A", "M:4/4\nL:1/8\nQ:\"Allegro\" 1/4=90\nK:C").Tempos[0].Bpm, 3);
    }

    // ---- notes

    [Fact]
    public void Octave_marks_move_by_octaves()
    {
        Assert.Equal([48, 36, 60, 72, 84, 96], Pitches(Read("C, C,, C c c' c''")));
    }

    [Fact]
    public void Accidentals_hold_to_the_end_of_the_bar_in_every_octave()
    {
        Assert.Equal([61, 61, 73, 60, 62, 70, 70, 64, 69], Pitches(Read("^C C c =C ^^C | _B B ^^D __B")));
    }

    [Fact]
    public void Accidentals_can_be_limited_to_their_octave()
    {
        var m = Tune("^C c C", settings: AbcReadSettings.Strict with { AccidentalsInAllOctaves = false }).Melody;
        Assert.Equal([61, 72, 61], Pitches(m));
    }

    [Fact]
    public void Key_signature_accidentals_apply_and_a_natural_cancels_them()
    {
        Assert.Equal([66, 65, 65, 77, 66], Pitches(Read("F =F F f | F", "L:1/8\nK:D")));
    }

    [Fact]
    public void Lengths_multiply_and_divide_the_unit()
    {
        Assert.Equal("69@0+1 69@1+1/4 69@5/4+1/4 69@3/2+3/4 69@9/4+1/8 69@19/8+3/2", Notes(Read("A2 A/ A/2 A3/2 A// A3")));
    }

    [Fact]
    public void Rests_take_time_and_multi_bar_rests_take_whole_bars()
    {
        Assert.Equal("69@1/2+1/2 71@15/2+1/2 72@19/2+1/2", Notes(Read("z A x4 z | Z B z3 | c")));
        Assert.Equal("69@6+1/2", Notes(Read("Z2 | A", "M:3/4\nL:1/8\nK:C")));
    }

    [Fact]
    public void Ties_join_notes_of_the_same_pitch_also_across_bar_lines()
    {
        Assert.Equal("69@0+3 71@3+1/2", Notes(Read("A4- | A2 B")));
        Assert.Equal("69@0+2 71@2+1/2", Notes(Read("A2-A2 B")));
    }

    [Fact]
    public void A_tie_between_different_pitches_is_dropped_when_lenient_and_raises_when_strict()
    {
        var t = Tune("A2-B2", settings: AbcReadSettings.Lenient);
        Assert.Equal("69@0+1 71@1+1", Notes(t.Melody));
        Assert.Single(t.Issues);
        Assert.Throws<AbcBrokenTieException>(() => Tune("A2-B2"));
    }

    [Fact]
    public void Broken_rhythm_dots_and_shortens()
    {
        Assert.Equal("69@0+3/4 71@3/4+1/4 69@1+1/4 71@5/4+3/4 69@2+7/8 71@23/8+1/8 69@3+1/8 71@25/8+7/8", Notes(Read("A>B A<B A>>B A<<B")));
    }

    [Fact]
    public void Tuplets_fit_their_notes_in_the_given_time()
    {
        Assert.Equal("69@0+1/3 71@1/3+1/3 72@2/3+1/3 74@1+1/2", Notes(Read("(3ABc d")));
        Assert.Equal("69@0+1/3 71@1/3+1/3 72@2/3+1/3 74@1+1/3 72@4/3+1/2", Notes(Read("(3:2:4ABcd c"))); // 3 in the time of 2, for 4 notes
        Assert.Equal("69@0+1/5 71@1/5+1/5 72@2/5+1/5 74@3/5+1/5 76@4/5+1/5", Notes(Read("(5ABcde")));
        Assert.Equal("69@0+3/10 71@3/10+3/10 72@3/5+3/10 74@9/10+3/10 76@6/5+3/10", Notes(Read("(5ABcde", "M:6/8\nL:1/8\nK:C"))); // 5 in 3 in compound time
    }

    [Fact]
    public void Chords_give_the_melody_their_top_note()
    {
        Assert.Equal("67@0+1 76@1+1/2", Notes(Read("[CEG]2 [ce]")));
        Assert.Equal("79@0+3/2", Notes(Read("[G,2Dg2]3/2"))); // the chord takes its first note's length times the multiplier
    }

    [Fact]
    public void Grace_notes_take_no_time_and_decorations_and_annotations_are_skipped()
    {
        Assert.Equal("69@0+1/2 71@1/2+1/2 72@1+1/2 74@3/2+1/2", Notes(Read("{g}A ~B !trill!c \"^text\"Td")));
    }

    [Fact]
    public void Slurs_line_continuations_and_comments_do_not_change_the_notes()
    {
        Assert.Equal("69@0+1/2 71@1/2+1/2 72@1+1/2", Notes(Read("(AB) \\ % comment\n c % more")));
    }

    [Fact]
    public void Inline_fields_change_key_meter_and_unit_length()
    {
        var m = Read("F [K:G] F [L:1/4] F F F | [M:3/4] F3 |", "M:4/4\nL:1/8\nK:C");
        Assert.Equal("65@0+1/2 66@1/2+1/2 66@1+1 66@2+1 66@3+1 66@4+3", Notes(m));
        Assert.Equal(new MeterChange(Duration.FromQuarters(4), new TimeSignature(3, 4)), m.Meters[1]);
    }

    [Fact]
    public void A_second_voice_is_left_out()
    {
        var m = Read("V:1\nABc|\nV:2\nC,D,E,|\nV:1\nd|", "M:4/4\nL:1/8\nV:1\nV:2\nK:C");
        Assert.Equal([69, 71, 72, 74], Pitches(m));
    }

    // ---- structure

    [Fact]
    public void Repeats_are_played_twice()
    {
        Assert.Equal([69, 71, 69, 71, 72, 74, 72, 74], Pitches(Read("|: A B :|: c d :|")));
        Assert.Equal([69, 71, 69, 71, 72], Pitches(Read("A B :| c")));
        Assert.Equal([69, 71, 69, 71, 72, 74, 72, 74], Pitches(Read("A B :: c d :|")));
    }

    [Fact]
    public void First_and_second_endings_are_taken_in_turn()
    {
        Assert.Equal([69, 71, 69, 72, 74], Pitches(Read("|: A |1 B :|2 c | d")));
        Assert.Equal([69, 71, 69, 72, 74], Pitches(Read("|: A [1 B :| [2 c || d")));
        Assert.Equal([69, 71, 69, 72, 69, 74, 76], Pitches(Read("|: A [1 B :| [2 c :| [3 d || e")));
        Assert.Equal([69, 71, 69, 72, 74], Pitches(Read("|: A |\\\n1 B :|2 c | d"))); // ending number after a line continuation
    }

    // Expected sequences are what abc2midi 4.84 plays for the same bodies (checked by hand).
    [Theory]
    [InlineData("C D || E F :| G", "C D E F C D E F G")]
    [InlineData("|: C D || E F :| G", "C D E F C D E F G")]
    [InlineData("|: C |1 D :|2 E || F G :| A", "C D C E F G C F G A")]
    [InlineData("C D :| E F || G A :| B", "C D C D E F G A G A B")]
    [InlineData("C D :| E F :| G A :| B", "C D C D E F E F G A G A B")]
    [InlineData("|: C D :| E F :| G", "C D C D E F E F G")]
    [InlineData("C |1 D :|2 E | F G :| A", "C D C E F G C A")]
    [InlineData("C D |] E F :| G", "C D E F C D E F G")]
    [InlineData("C :| D |:| E", "C C D E")]
    [InlineData("C |1 D :|2 E || F :| G", "C D C E F C F G")]
    [InlineData("|: C :| |: F :| G :| A", "C C F F G G A")]
    [InlineData("C |1 D :|2 E || F :| G :| A", "C D C E F C F G A")]
    [InlineData("|: C |1 D :|2 E |: F :| G :| A", "C D C E F F G A")]
    [InlineData("|: C :| F :| G :| A", "C C F F G G A")]
    [InlineData("C |1 D :|2 E || |: F :| G :| A", "C D C E F F G A")]
    [InlineData("C :: D || E :|", "C C D E D E")]
    public void Repeat_ends_go_back_as_abc2midi_plays_them(string body, string played)
    {
        var names = Read(body, "M:none\nL:1/4\nK:C").Notes.Select(n => n.Pitch.Name.ToString() + (n.Pitch.Octave == 5 ? "'" : ""));
        Assert.Equal(played.Replace("c", "C'").Split(' '), names);
    }

    [Fact]
    public void Parts_are_played_in_the_P_or_Y_order()
    {
        Assert.Equal([69, 69, 71, 69], Pitches(Read("P:A\nA|\nP:B\nB|", "M:4/4\nL:1/8\nP:AABA\nK:C")));
        Assert.Equal([69, 71, 71, 69, 71, 71], Pitches(Read("P:A\nA|\nP:B\nB|", "M:4/4\nL:1/8\nY:(AB2)2\nK:C")));
    }

    [Fact]
    public void A_missing_part_is_reported()
    {
        var t = Tune("P:A\nA|", "M:4/4\nL:1/8\nP:AB\nK:C", AbcReadSettings.Lenient);
        Assert.Equal([69], Pitches(t.Melody));
        Assert.Contains(t.Issues, i => i.Message.Contains("part B"));
    }

    [Fact]
    public void A_pickup_is_a_leading_rest()
    {
        var m = Read("A | d3 c3 | B6 |", "M:6/8\nL:1/8\nK:C");
        Assert.Equal(Duration.FromQuarters(5, 2), m.Notes[0].Start);
        Assert.Equal(Duration.FromQuarters(3), m.Notes[1].Start);
    }

    // ---- chord symbols

    [Fact]
    public void Chord_symbols_form_the_chord_track_and_others_are_counted_as_annotations()
    {
        var t = Tune("\"Am\"A2 \"D7\"B2 | \"G/b\"c2 \"Cd\"d2 | \"^high\"e \"fine\"f \"(E7)\"g");
        Assert.Equal("Am@0 D7@1 G/B@2 Cdim@3 E7@5", string.Join(" ", t.Melody.Chords.Select(c => $"{c.Chord}@{c.At}")));
        Assert.Equal(1, t.SkippedAnnotations); // "fine"; "^high" is a marked annotation
    }

    // ---- bad input

    [Fact]
    public void Unclosed_groups_and_unknown_symbols_are_located()
    {
        var e = Assert.Throws<AbcUnclosedGroupException>(() => Tune("AB [CE"));
        Assert.Equal((6, 4), (e.Line, e.Column));
        Assert.Contains("expected ']'", e.Message);
        var u = Assert.Throws<AbcUnexpectedSymbolException>(() => Tune("A # B"));
        Assert.Equal((6, 3, 1), (u.Line, u.Column, u.Tune));
        var lenient = Tune("A # B {g", settings: AbcReadSettings.Lenient);
        Assert.Equal([69, 71], Pitches(lenient.Melody));
        Assert.Equal(2, lenient.Issues.Length);
    }

    [Fact]
    public void A_tune_without_K_is_reported()
    {
        var result = AbcReader.Parse("X:1\nT:No key\nABC|\n", "f.abc", AbcReadSettings.Strict);
        Assert.IsType<AbcMissingKeyException>(Assert.Single(result.Skipped).Reason);
        var lenient = AbcReader.Parse("X:1\nT:No key\nABC|\n", "f.abc");
        Assert.Equal(3, lenient.Tunes[0].Melody.Notes.Length);
        Assert.Single(lenient.Tunes[0].Issues);
    }

    [Fact]
    public void Asking_for_an_absent_tune_raises()
    {
        Assert.Throws<AbcTuneNotFoundException>(() => AbcReader.ReadTune("X:1\nK:C\nA\n", 5));
    }
}
