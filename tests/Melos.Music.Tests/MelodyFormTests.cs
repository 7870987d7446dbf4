using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Music.Tests;

public static class FormArbitraries
{
    public static Arbitrary<MelodyForm> Form() =>
        (from symbols in Gen.ArrayOf(Gen.Elements(".ABCDabz09".ToCharArray())).Where(a => a.Length > 0)
         select MelodyForm.Parse(new string(symbols))).ToArbitrary();
}

public sealed class MelodyFormTests
{
    [Property(Arbitrary = [typeof(FormArbitraries)])]
    public bool ToString_round_trips_through_Parse(MelodyForm form) => MelodyForm.Parse(form.ToString()).Equals(form);

    [Fact]
    public void A_repeated_symbol_copies_its_first_bar_and_dots_repeat_nothing()
    {
        var form = MelodyForm.Parse("AB.. | AB.B");
        Assert.Equal("AB..AB.B", form.Bars);
        Assert.Equal("AB.. AB.B", form.ToString());
        Assert.Equal(8, form.Length);
        Assert.Equal([null, null, null, null, 0, 1, null, 1], Enumerable.Range(0, 8).Select(form.SourceOf).ToArray());
        Assert.Equal(3, form.RepeatedBars);
        Assert.Null(form.SourceOf(20));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  | ")]
    [InlineData("AB-C")]
    [InlineData("AB*")]
    public void Text_that_is_not_a_form_is_refused_with_the_input(string text)
    {
        var error = Assert.Throws<InvalidMelodyFormException>(() => MelodyForm.Parse(text));
        Assert.Equal(text, error.Input);
        Assert.False(MelodyForm.TryParse(text, out _));
    }

    [Fact]
    public void The_form_of_a_melody_names_the_bars_that_recur()
    {
        // Bars: 1 = C D E F, 2 = G G G G, 3 = C D E F, 4 = C D E G, 5 = G G G G.
        var notes = NoteSequence.Parse("C4 D4 E4 F4 G4 G4 G4 G4 C4 D4 E4 F4 C4 D4 E4 G4 G4 G4 G4 G4");
        var melody = Melody.Create(notes);
        var form = MelodyForm.Of(melody);
        Assert.Equal("ABA.B", form.Bars);
        Assert.Equal("A.A", MelodyForm.Of(melody, 3).Bars);
    }

    [Fact]
    public void A_note_held_across_the_bar_line_makes_the_bar_different()
    {
        // Bars 2 and 4 both end with a half note G4, but in bar 3 the tied C5 from bar 2 sounds on; bar 1 = bar 3 otherwise.
        var notes = new List<Note>
        {
            new(Pitch.Parse("C4"), Duration.FromQuarters(0), Duration.FromQuarters(2)), new(Pitch.Parse("E4"), Duration.FromQuarters(2), Duration.FromQuarters(2)),
            new(Pitch.Parse("C5"), Duration.FromQuarters(4), Duration.FromQuarters(6)),
            new(Pitch.Parse("E4"), Duration.FromQuarters(10), Duration.FromQuarters(2)),
            new(Pitch.Parse("E4"), Duration.FromQuarters(14), Duration.FromQuarters(2)),
        };
        var form = MelodyForm.Of(Melody.Create(notes, length: Duration.FromQuarters(16)));
        // Bar 3 (tie from C5, E4 on beat 3) and bar 4 (rest, E4 on beat 3) differ only by the tie.
        Assert.Equal("....", form.Bars);
        notes[2] = notes[2] with { Length = Duration.FromQuarters(4) };
        Assert.Equal("..AA", MelodyForm.Of(Melody.Create(notes, length: Duration.FromQuarters(16))).Bars);
    }
}
