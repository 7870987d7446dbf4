using Melos.Music;

namespace Melos.Generation.Tests;

public sealed class FormTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    private static GenerationRequest Request(string form, params string[] chords) => new()
    {
        Bars = 4,
        Key = Key.CMajor,
        Pitches = new() { Chromatic = true },
        Sampling = new() { Temperature = 1.5 },
        Seed = 11,
        // A primer that fills bar 1 from its downbeat: no pickup, so the form starts at bar 1.
        Primer = [.. NoteSequence.Parse("C4 E4 G4 E4")],
        Chords = [.. chords.Select(c => (ProgressionChord)ChordSymbol.Parse(c))],
        Form = MelodyForm.Parse(form),
    };

    [Fact]
    public void A_repeated_symbol_copies_the_earlier_bar_note_for_note()
    {
        var generated = Generator.Generate(Request("A.A.")).Single();
        var form = MelodyForm.Of(generated.Melody);
        Assert.NotEqual(MelodyForm.Free, form.Bars[0]);
        Assert.Equal(form.Bars[0], form.Bars[2]);
        Assert.Equal(1, generated.CopiedBars);
        // The copied bar's tokens are the source bar's tokens.
        int barSteps = 4 * Generator.Grid.GridConfig.StepsPerQuarter;
        Assert.Equal(generated.Tokens.Skip(1).Take(barSteps), generated.Tokens.Skip(1 + 2 * barSteps).Take(barSteps));
    }

    [Fact]
    public void Without_a_form_the_same_request_does_not_repeat_the_bar()
    {
        var free = Generator.Generate(Request("A.A.") with { Form = null }).Single();
        Assert.Equal(0, free.CopiedBars);
        int barSteps = 4 * Generator.Grid.GridConfig.StepsPerQuarter;
        Assert.NotEqual(free.Tokens.Skip(1).Take(barSteps), free.Tokens.Skip(1 + 2 * barSteps).Take(barSteps));
    }

    [Fact]
    public void A_bar_under_another_chord_is_sampled_instead_of_copied()
    {
        var sameChord = Generator.Generate(Request("A.A.", "C", "F", "C", "G")).Single();
        Assert.Equal(1, sameChord.CopiedBars);
        var otherChord = Generator.Generate(Request("A.A.", "C", "F", "G", "C")).Single();
        Assert.Equal(0, otherChord.CopiedBars);
    }

    [Fact]
    public void The_copy_gives_way_to_the_constraints()
    {
        // The primer's bar leaps C4 -> G4 (7 semitones); a maximum leap of 4 forbids copying it whole.
        var generated = Generator.Generate(Request("A.A.") with { Pitches = new() { Chromatic = true, MaxLeap = 4 }, Primer = [.. NoteSequence.Parse("C4 G4 C4 G4")] }).Single();
        Assert.Equal(0, generated.CopiedBars);
        Assert.Equal(1, Generator.Generate(Request("A.A.") with { Primer = [.. NoteSequence.Parse("C4 G4 C4 G4")] }).Single().CopiedBars);
        int? previous = null;
        foreach (var note in generated.Melody.Notes.Skip(4))
        {
            if (previous is { } p) Assert.True(Math.Abs(note.Pitch.Number - p) <= 4);
            previous = note.Pitch.Number;
        }
    }

    [Fact]
    public void Beam_search_refuses_a_form()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Generator.Generate(Request("A.A.") with { BeamWidth = 2 }));
        Assert.Equal(RequestField.Form, error.Field);
        Assert.Contains("form", error.Reason, StringComparison.OrdinalIgnoreCase);
    }
}
