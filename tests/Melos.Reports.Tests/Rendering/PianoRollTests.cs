using Melos.Music;
using Melos.Reports.Rendering;
using SkiaSharp;

namespace Melos.Reports.Tests.Rendering;

public sealed class PianoRollTests
{
    private static Note N(string pitch, Rational start, Rational length) => new(Pitch.Parse(pitch), Duration.FromQuarters(start), Duration.FromQuarters(length));

    // Two bars of 4/4: C4 for a half note, a half rest, then G4 and E5.
    private static Melody Sample() => Melody.Create([N("C4", 0, 2), N("G4", 4, 2), N("E5", 6, 2)], Key.CMajor,
        [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], null,
        [new ChordChange(Duration.Zero, ChordSymbol.Parse("C")), new ChordChange(Duration.FromQuarters(4), ChordSymbol.Parse("G7"))],
        new MelodyInfo { Title = "Sample" });

    private static SKColor At(SKBitmap bmp, float x, float y) => bmp.GetPixel((int)x, (int)y);

    private static bool Same(SKColor c, RollColor r) => c.Red == r.R && c.Green == r.G && c.Blue == r.B;

    [Fact]
    public void The_png_decodes_at_the_laid_out_size_with_notes_in_their_colour_and_empty_space_without()
    {
        var m = Sample();
        var options = new PianoRollOptions { PixelsPerQuarter = 40, PixelsPerSemitone = 10 };
        var layout = PianoRoll.Layout(m, options);
        // Range: C4-2 .. E5+2 = 58..78 (21 rows); 8 quarters; axis 44 + right margin 14; title 28 + chord row 22 + bottom 22.
        Assert.Equal((58, 78), (layout.LowPitch, layout.HighPitch));
        Assert.Equal(44 + 8 * 40 + 14, layout.Width);
        Assert.Equal(28 + 22 + 21 * 10 + 22, layout.Height);
        using var bmp = SKBitmap.Decode(PianoRoll.RenderPng(m, options));
        Assert.NotNull(bmp);
        Assert.Equal((layout.Width, layout.Height), (bmp.Width, bmp.Height));

        // The middle of C4 (quarter 1, row of MIDI 60) carries the note colour; so does E5's (quarter 7, MIDI 76).
        float rowMid(int midi) => layout.Top + (78 - midi) * 10 + 5;
        Assert.True(Same(At(bmp, 44 + 1 * 40, rowMid(60)), options.NoteColor));
        Assert.True(Same(At(bmp, 44 + 7 * 40 - 10, rowMid(76)), options.NoteColor));
        // The rest (quarter 2.5 on C4's row) and an empty row under a note (quarter 1, MIDI 64) do not.
        Assert.False(Same(At(bmp, 44 + 2.5f * 40 + 7, rowMid(60)), options.NoteColor));
        Assert.False(Same(At(bmp, 44 + 1 * 40 + 7, rowMid(64)), options.NoteColor));
        // The layout's rectangle agrees with the hand computation.
        var (x, y, w, h) = layout.NoteRect(0);
        Assert.Equal((44.5f, rowMid(60) - 4, 79f, 8f), (x, y, w, h));
    }

    [Fact]
    public void Each_note_can_have_its_own_colour_or_a_value_on_the_scale()
    {
        var m = Sample();
        var red = new RollColor(200, 10, 10);
        var green = new RollColor(10, 160, 40);
        var colours = new PianoRollOptions { NoteColors = [red, green, red] };
        var layout = PianoRoll.Layout(m, colours);
        using var bmp = SKBitmap.Decode(PianoRoll.RenderPng(m, colours));
        (float X, float Y) Centre(int i) { var r = layout.NoteRect(i); return (r.X + r.Width / 2, r.Y + r.Height / 2); }
        Assert.True(Same(At(bmp, Centre(0).X, Centre(0).Y), red));
        Assert.True(Same(At(bmp, Centre(1).X, Centre(1).Y), green));
        Assert.True(Same(At(bmp, Centre(2).X, Centre(2).Y), red));

        var values = new PianoRollOptions { NoteValues = [0, 0.5, 1], ValueLabel = "probability" };
        var vl = PianoRoll.Layout(m, values);
        using var vb = SKBitmap.Decode(PianoRoll.RenderPng(m, values));
        for (int i = 0; i < 3; i++)
        {
            var r = vl.NoteRect(i);
            Assert.True(Same(At(vb, r.X + r.Width / 2, r.Y + r.Height / 2), PianoRoll.ValueColor(i / 2.0)), $"note {i}");
        }
        Assert.Equal(new RollColor(0xd7, 0x30, 0x27), PianoRoll.ValueColor(0));
        Assert.Equal(new RollColor(0x1a, 0x98, 0x50), PianoRoll.ValueColor(1));
        Assert.Throws<ArgumentException>(() => PianoRoll.Layout(m, new PianoRollOptions { NoteColors = [red] }));
        Assert.Throws<ArgumentException>(() => PianoRoll.Layout(m, new PianoRollOptions { NoteValues = [0, 1, 2] }));
    }

    [Fact]
    public void Long_melodies_shrink_to_the_maximum_width_and_empty_ones_still_draw()
    {
        var notes = Enumerable.Range(0, 400).Select(i => N("C5", i, 1));
        var longOne = Melody.Create(notes);
        var layout = PianoRoll.Layout(longOne, new PianoRollOptions { MaxWidth = 1000 });
        Assert.True(layout.Width <= 1000, $"{layout.Width}");
        Assert.Equal(2, layout.PixelsPerQuarter);
        using var empty = SKBitmap.Decode(PianoRoll.RenderPng(Melody.Empty));
        Assert.True(empty.Width > 100 && empty.Height > 100);
    }

    [Fact]
    public void Colours_parse_and_print_as_hex()
    {
        Assert.Equal(new RollColor(0x2f, 0x6d, 0xb5), RollColor.Parse("#2f6db5"));
        Assert.Equal("#2f6db580", RollColor.Parse("2F6DB580").ToString());
        Assert.Throws<FormatException>(() => RollColor.Parse("#12345"));
    }
}
