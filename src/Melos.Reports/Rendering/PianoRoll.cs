using System.Globalization;
using Melos.Music;
using SkiaSharp;

namespace Melos.Reports.Rendering;

/// <summary>An sRGB colour with alpha, written <c>#rrggbb</c> or <c>#rrggbbaa</c>.</summary>
/// <param name="R">Red 0..255.</param>
/// <param name="G">Green 0..255.</param>
/// <param name="B">Blue 0..255.</param>
/// <param name="A">Alpha 0..255 (255 opaque).</param>
public readonly record struct RollColor(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>Parses <c>#rrggbb</c> or <c>#rrggbbaa</c>.</summary>
    /// <exception cref="FormatException">Not such a colour.</exception>
    public static RollColor Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().TrimStart('#');
        if ((s.Length != 6 && s.Length != 8) || !uint.TryParse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
            throw new FormatException($"Invalid colour '{text}': expected #rrggbb or #rrggbbaa.");
        if (s.Length == 6) v = (v << 8) | 0xFF;
        return new RollColor((byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    /// <summary><c>#rrggbb</c>, or <c>#rrggbbaa</c> when not opaque.</summary>
    public override string ToString() => A == 255 ? $"#{R:x2}{G:x2}{B:x2}" : $"#{R:x2}{G:x2}{B:x2}{A:x2}";

    internal SKColor ToSk() => new(R, G, B, A);

    internal RollColor Darker(double f) => new((byte)(R * f), (byte)(G * f), (byte)(B * f), A);
}

/// <summary>How <see cref="PianoRoll"/> draws a melody.</summary>
public sealed record PianoRollOptions
{
    /// <summary>The defaults.</summary>
    public static PianoRollOptions Default { get; } = new();

    /// <summary>Horizontal pixels per quarter note (reduced to fit <see cref="MaxWidth"/>).</summary>
    public int PixelsPerQuarter
    {
        get;
        init => field = value is >= 2 and <= 400 ? value : throw new ArgumentOutOfRangeException(nameof(PixelsPerQuarter), value, "Pixels per quarter is 2..400.");
    } = 40;

    /// <summary>Pixels per semitone row.</summary>
    public int PixelsPerSemitone
    {
        get;
        init => field = value is >= 3 and <= 60 ? value : throw new ArgumentOutOfRangeException(nameof(PixelsPerSemitone), value, "Pixels per semitone is 3..60.");
    } = 10;

    /// <summary>The widest image drawn: longer melodies get fewer pixels per quarter.</summary>
    public int MaxWidth
    {
        get;
        init => field = value is >= 200 and <= 20_000 ? value : throw new ArgumentOutOfRangeException(nameof(MaxWidth), value, "The maximum width is 200..20000 pixels.");
    } = 2400;

    /// <summary>The title; null uses the melody's title; empty draws none.</summary>
    public string? Title { get; init; }

    /// <summary>The colour of every note unless <see cref="NoteColors"/> or <see cref="NoteValues"/> is given.</summary>
    public RollColor NoteColor { get; init; } = new(0x2f, 0x6d, 0xb5);

    /// <summary>One colour per note of the melody, in note order (overrides <see cref="NoteColor"/> and <see cref="NoteValues"/>).</summary>
    public IReadOnlyList<RollColor>? NoteColors { get; init; }

    /// <summary>
    /// One value in 0..1 per note, in note order, drawn on the <see cref="PianoRoll.ValueColor"/> scale (red low, green high)
    /// with a legend (for example each note's probability under a model).
    /// </summary>
    public IReadOnlyList<double>? NoteValues { get; init; }

    /// <summary>The legend's caption for <see cref="NoteValues"/>.</summary>
    public string ValueLabel { get; init; } = "value";

    /// <summary>Draw the chord symbols above the roll.</summary>
    public bool ShowChords { get; init; } = true;
}

/// <summary>Where a piano roll puts things: the image size and each position's pixel, for callers that draw on it or test it.</summary>
public sealed class PianoRollLayout
{
    internal PianoRollLayout(Melody melody, int width, int height, int left, int top, int pixelsPerQuarter, int pixelsPerSemitone, int low, int high, Duration end)
    {
        Melody = melody;
        Width = width;
        Height = height;
        Left = left;
        Top = top;
        PixelsPerQuarter = pixelsPerQuarter;
        PixelsPerSemitone = pixelsPerSemitone;
        LowPitch = low;
        HighPitch = high;
        End = end;
    }

    /// <summary>The melody drawn.</summary>
    public Melody Melody { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>The x of time zero.</summary>
    public int Left { get; }

    /// <summary>The y of the top of the highest pitch row.</summary>
    public int Top { get; }

    /// <summary>Pixels per quarter note actually used.</summary>
    public int PixelsPerQuarter { get; }

    /// <summary>Pixels per semitone row.</summary>
    public int PixelsPerSemitone { get; }

    /// <summary>The lowest MIDI pitch shown.</summary>
    public int LowPitch { get; }

    /// <summary>The highest MIDI pitch shown.</summary>
    public int HighPitch { get; }

    /// <summary>The time drawn up to (the end of the last bar).</summary>
    public Duration End { get; }

    /// <summary>The y of the bottom of the lowest row.</summary>
    public int Bottom => Top + (HighPitch - LowPitch + 1) * PixelsPerSemitone;

    /// <summary>The x of a position.</summary>
    public float X(Duration at) => Left + (float)(at.ToQuarterDouble() * PixelsPerQuarter);

    /// <summary>The y of the top of a pitch's row.</summary>
    public float Y(int midi) => Top + (HighPitch - midi) * PixelsPerSemitone;

    /// <summary>The rectangle (left, top, width, height) of note <paramref name="index"/>.</summary>
    public (float X, float Y, float Width, float Height) NoteRect(int index)
    {
        var n = Melody.Notes[index];
        float x0 = X(n.Start), x1 = X(n.End);
        return (x0 + 0.5f, Y(n.Pitch.Number) + 1, Math.Max(1, x1 - x0 - 1), PixelsPerSemitone - 2);
    }
}

/// <summary>
/// Draws a melody as a piano roll PNG: one row per semitone (black keys shaded), pitch names on the left axis, a beat grid
/// with stronger bar lines and bar numbers, chord symbols above the roll and the title on top. Each note can carry its own
/// colour (<see cref="PianoRollOptions.NoteColors"/>) or a value on a colour scale (<see cref="PianoRollOptions.NoteValues"/>).
/// Text uses DejaVu Sans (Debian's fonts-dejavu-core).
/// </summary>
public static class PianoRoll
{
    private const int AxisWidth = 44, RightMargin = 14, TitleHeight = 28, ChordHeight = 22, BottomHeight = 22, LegendWidth = 180;

    private static readonly RollColor Background = new(255, 255, 255), BlackKeyRow = new(0xee, 0xf1, 0xf5), BeatLine = new(0xd5, 0xda, 0xe1),
        BarLine = new(0x5b, 0x63, 0x70), TextColor = new(0x22, 0x26, 0x2e), ChordText = new(0x8a, 0x3b, 0x12);

    /// <summary>Where everything goes for <paramref name="melody"/> under <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Per-note colours or values do not match the notes in number, or a value is outside 0..1.</exception>
    public static PianoRollLayout Layout(Melody melody, PianoRollOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        options ??= PianoRollOptions.Default;
        if (options.NoteColors is { } colors && colors.Count != melody.Notes.Length)
            throw new ArgumentException($"{colors.Count} note colours for {melody.Notes.Length} notes.", nameof(options));
        if (options.NoteValues is { } values)
        {
            if (values.Count != melody.Notes.Length) throw new ArgumentException($"{values.Count} note values for {melody.Notes.Length} notes.", nameof(options));
            if (values.Any(v => !(v >= 0 && v <= 1))) throw new ArgumentException("Note values must be in 0..1.", nameof(options));
        }
        int low, high;
        if (melody.Notes.IsEmpty) (low, high) = (60, 72);
        else
        {
            low = Math.Max(0, melody.Notes.Min(n => n.Pitch.Number) - 2);
            high = Math.Min(127, melody.Notes.Max(n => n.Pitch.Number) + 2);
            while (high - low < 12) { if (high < 127) high++; if (high - low < 12 && low > 0) low--; }
        }
        // Draw whole bars: up to the start of the bar after the last sound.
        var end = melody.Length;
        if (end.IsZero) end = melody.Meter.BarLength;
        var (bar, offset) = melody.BarOf(end);
        if (!offset.IsZero) end = melody.BarStart(bar + 1);
        string? title = options.Title ?? melody.Info.Title;
        bool legend = options.NoteValues is not null && options.NoteColors is null;
        int top = (string.IsNullOrEmpty(title) && !legend ? 6 : TitleHeight) + (options.ShowChords ? ChordHeight : 4);
        double quarters = end.ToQuarterDouble();
        int ppq = options.PixelsPerQuarter;
        int maxRoll = options.MaxWidth - AxisWidth - RightMargin;
        if (quarters * ppq > maxRoll) ppq = Math.Max(2, (int)(maxRoll / quarters));
        int width = AxisWidth + (int)Math.Ceiling(quarters * ppq) + RightMargin;
        if (legend) width = Math.Max(width, AxisWidth + LegendWidth + 200);
        int height = top + (high - low + 1) * options.PixelsPerSemitone + BottomHeight;
        return new PianoRollLayout(melody, width, height, AxisWidth, top, ppq, options.PixelsPerSemitone, low, high, end);
    }

    /// <summary>The colour of a value in 0..1: red (0) through amber (0.5) to green (1).</summary>
    public static RollColor ValueColor(double value)
    {
        double v = Math.Clamp(double.IsNaN(value) ? 0 : value, 0, 1);
        (double R, double G, double B)[] stops = [(0xd7, 0x30, 0x27), (0xf4, 0xa5, 0x2a), (0x1a, 0x98, 0x50)];
        double pos = v * (stops.Length - 1);
        int i = Math.Min((int)pos, stops.Length - 2);
        double f = pos - i;
        byte Mix(double a, double b) => (byte)Math.Round(a + (b - a) * f);
        return new RollColor(Mix(stops[i].R, stops[i + 1].R), Mix(stops[i].G, stops[i + 1].G), Mix(stops[i].B, stops[i + 1].B));
    }

    /// <summary>The colour note <paramref name="index"/> is drawn in.</summary>
    public static RollColor ColorOf(int index, PianoRollOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.NoteColors is { } c) return c[index];
        if (options.NoteValues is { } v) return ValueColor(v[index]);
        return options.NoteColor;
    }

    /// <summary>The piano roll as PNG bytes.</summary>
    public static byte[] RenderPng(Melody melody, PianoRollOptions? options = null)
    {
        options ??= PianoRollOptions.Default;
        var layout = Layout(melody, options);
        using var surface = SKSurface.Create(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Draw(surface.Canvas, layout, options);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the piano roll as a PNG file.</summary>
    public static void WritePng(string path, Melody melody, PianoRollOptions? options = null) => File.WriteAllBytes(path, RenderPng(melody, options));

    private static SKTypeface Typeface(bool bold) =>
        SKTypeface.FromFamilyName("DejaVu Sans", bold ? SKFontStyle.Bold : SKFontStyle.Normal) ?? SKTypeface.Default;

    private static void Draw(SKCanvas canvas, PianoRollLayout l, PianoRollOptions options)
    {
        var m = l.Melody;
        canvas.Clear(Background.ToSk());
        using var fill = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var stroke = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        using var text = new SKPaint { IsAntialias = true, Color = TextColor.ToSk() };
        using var font = new SKFont(Typeface(false), 10);
        using var bold = new SKFont(Typeface(true), 15);
        using var chordFont = new SKFont(Typeface(true), 12);
        float right = l.X(l.End);

        // Rows: black keys shaded, names of the naturals on the axis (every C always).
        for (int p = l.LowPitch; p <= l.HighPitch; p++)
        {
            float y = l.Y(p);
            if (NoteName.FromPitchClass(p).Alter != 0)
            {
                fill.Color = BlackKeyRow.ToSk();
                canvas.DrawRect(l.Left, y, right - l.Left, l.PixelsPerSemitone, fill);
            }
            bool isC = p % 12 == 0;
            if (isC || (NoteName.FromPitchClass(p).Alter == 0 && l.PixelsPerSemitone >= 9))
            {
                text.Color = (isC ? TextColor : TextColor.Darker(1.0) with { A = 150 }).ToSk();
                canvas.DrawText(Pitch.FromMidi(p).ToString(), l.Left - 4, y + l.PixelsPerSemitone / 2f + 3.5f, SKTextAlign.Right, font, text);
            }
            if (isC)
            {
                stroke.Color = BeatLine.ToSk();
                canvas.DrawLine(l.Left, y + l.PixelsPerSemitone, right, y + l.PixelsPerSemitone, stroke);
            }
        }

        // Beat grid and bar lines with bar numbers.
        text.Color = TextColor.ToSk();
        for (int bar = 0; ; bar++)
        {
            var start = m.BarStart(bar);
            if (start >= l.End) break;
            var next = Duration.Min(m.BarStart(bar + 1), l.End);
            var beat = m.MeterAt(start).BeatLength;
            stroke.Color = BeatLine.ToSk();
            for (var b = start + beat; b < next; b += beat) canvas.DrawLine(l.X(b), l.Top, l.X(b), l.Bottom, stroke);
            stroke.Color = BarLine.ToSk();
            canvas.DrawLine(l.X(start), l.Top, l.X(start), l.Bottom, stroke);
            canvas.DrawText((bar + 1).ToString(CultureInfo.InvariantCulture), l.X(start) + 3, l.Bottom + 14, SKTextAlign.Left, font, text);
        }
        stroke.Color = BarLine.ToSk();
        canvas.DrawLine(right, l.Top, right, l.Bottom, stroke);
        canvas.DrawRect(l.Left, l.Top, right - l.Left, l.Bottom - l.Top, stroke);

        // Notes.
        for (int i = 0; i < m.Notes.Length; i++)
        {
            var (x, y, w, h) = l.NoteRect(i);
            var color = ColorOf(i, options);
            fill.Color = color.ToSk();
            canvas.DrawRect(x, y, w, h, fill);
            stroke.Color = color.Darker(0.65).ToSk();
            canvas.DrawRect(x, y, w, h, stroke);
        }

        // Chord symbols above the roll, each with a tick at its position.
        if (options.ShowChords)
        {
            text.Color = ChordText.ToSk();
            stroke.Color = ChordText.ToSk();
            float lastEnd = float.NegativeInfinity;
            foreach (var c in m.Chords.Where(c => c.At < l.End))
            {
                float x = l.X(c.At);
                canvas.DrawLine(x, l.Top - 5, x, l.Top, stroke);
                var label = c.Chord.ToString();
                float tx = Math.Max(x + 2, lastEnd + 4);
                canvas.DrawText(label, tx, l.Top - 7, SKTextAlign.Left, chordFont, text);
                lastEnd = tx + chordFont.MeasureText(label);
            }
        }

        // Title and, for per-note values, a legend.
        text.Color = TextColor.ToSk();
        string? title = options.Title ?? m.Info.Title;
        if (!string.IsNullOrEmpty(title)) canvas.DrawText(title, 8, 19, SKTextAlign.Left, bold, text);
        if (options.NoteValues is not null && options.NoteColors is null)
        {
            float lx = l.Width - RightMargin - LegendWidth, ly = 8;
            for (int i = 0; i < 100; i++)
            {
                fill.Color = ValueColor(i / 99.0).ToSk();
                canvas.DrawRect(lx + i * 1.2f, ly, 1.3f, 10, fill);
            }
            canvas.DrawText("0", lx - 3, ly + 9, SKTextAlign.Right, font, text);
            canvas.DrawText("1 " + options.ValueLabel, lx + 124, ly + 9, SKTextAlign.Left, font, text);
        }
    }
}
