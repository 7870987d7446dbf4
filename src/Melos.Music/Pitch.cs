using System.Globalization;

namespace Melos.Music;

/// <summary>
/// A sounding pitch: a MIDI note number 0..127 with a spelling (<c>C4</c> = 60, <c>F#5</c>, <c>Bb3</c>).
/// Equality and ordering are by sounding pitch (MIDI number), so <c>F#4 == Gb4</c>; the spelling is kept
/// for display and notation (<see cref="Name"/>) and compared with <see cref="IsSameSpelling"/>.
/// </summary>
public readonly struct Pitch : IEquatable<Pitch>, IComparable<Pitch>, IComparable
{
    /// <summary>The MIDI note number, 0..127.</summary>
    public int Number { get; }

    /// <summary>The spelled pitch class.</summary>
    public NoteName Name { get; }

    /// <summary>The octave of the spelling (scientific: C4 is middle C; B#3 sounds as C4).</summary>
    public int Octave { get; }

    /// <summary>The lowest MIDI pitch.</summary>
    public const int MinNumber = 0;
    /// <summary>The highest MIDI pitch.</summary>
    public const int MaxNumber = 127;

    private Pitch(int number, NoteName name, int octave)
    {
        Number = number;
        Name = name;
        Octave = octave;
    }

    /// <summary>The pitch class 0..11.</summary>
    public int PitchClass => Number % 12;

    /// <summary>A pitch from its MIDI number, spelled with sharps (or flats when asked).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The number is outside 0..127.</exception>
    public static Pitch FromMidi(int number, bool preferFlats = false)
    {
        if (number is < MinNumber or > MaxNumber) throw new ArgumentOutOfRangeException(nameof(number), number, "A MIDI pitch is 0..127.");
        return FromMidi(number, NoteName.FromPitchClass(number, preferFlats));
    }

    /// <summary>A pitch from its MIDI number, spelled as <paramref name="name"/> (which must have the same pitch class).</summary>
    /// <exception cref="ArgumentException">The name is not a spelling of that pitch.</exception>
    public static Pitch FromMidi(int number, NoteName name)
    {
        if (number is < MinNumber or > MaxNumber) throw new ArgumentOutOfRangeException(nameof(number), number, "A MIDI pitch is 0..127.");
        if (name.PitchClass != number % 12) throw new ArgumentException($"{name} is not a spelling of MIDI pitch {number}.", nameof(name));
        // number = 12*(octave+1) + semitones(step) + alter
        int octave = (number - NoteName.SemitonesOf(name.Step) - name.Alter) / 12 - 1;
        return new Pitch(number, name, octave);
    }

    /// <summary>A pitch from a spelling and octave (<c>FromName(new NoteName(Step.B, 1), 3)</c> is B#3 = 60).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pitch is outside MIDI 0..127.</exception>
    public static Pitch FromName(NoteName name, int octave)
    {
        int number = 12 * (octave + 1) + NoteName.SemitonesOf(name.Step) + name.Alter;
        if (number is < MinNumber or > MaxNumber) throw new ArgumentOutOfRangeException(nameof(octave), $"{name}{octave} is outside MIDI 0..127.");
        return new Pitch(number, name, octave);
    }

    /// <summary>The same sounding pitch spelled as it belongs in <paramref name="key"/>.</summary>
    public Pitch SpelledIn(Key key) => FromMidi(Number, key.Spell(PitchClass));

    /// <summary>The pitch <paramref name="semitones"/> away, spelled with sharps or flats as the source was.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The result is outside 0..127.</exception>
    public Pitch Transpose(int semitones) => FromMidi(Number + semitones, Name.Alter < 0);

    /// <summary>True when both the sounding pitch and the spelling agree.</summary>
    public bool IsSameSpelling(Pitch other) => Number == other.Number && Name == other.Name;

    /// <summary>Scientific pitch name: <c>C4</c>, <c>F#5</c>, <c>Bb3</c>, <c>C-1</c>.</summary>
    public override string ToString() => Name.ToString() + Octave.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a scientific pitch name (<c>C4</c>, <c>F#5</c>, <c>Bb3</c>, <c>E##4</c>, <c>C-1</c>) or a bare MIDI number (<c>60</c>).</summary>
    /// <exception cref="InvalidPitchException">The text is not a pitch in MIDI range.</exception>
    public static Pitch Parse(string text) =>
        TryParse(text, out var p) ? p : throw new InvalidPitchException(text, "a pitch name such as C4, F#5, Bb3 or E##4 (octave -1..9, MIDI 0..127), or a MIDI number 0..127");

    /// <summary>Parses a pitch; false when the text is not one.</summary>
    public static bool TryParse(string? text, out Pitch pitch)
    {
        pitch = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().AsSpan();
        if (char.IsAsciiDigit(s[0]))
        {
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n > MaxNumber) return false;
            pitch = FromMidi(n);
            return true;
        }
        int used = NoteName.TryReadPrefix(s, out var name);
        if (used == 0 || used == s.Length) return false;
        if (!int.TryParse(s[used..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int octave)) return false;
        if (octave is < -2 or > 10) return false;
        int number = 12 * (octave + 1) + NoteName.SemitonesOf(name.Step) + name.Alter;
        if (number is < MinNumber or > MaxNumber) return false;
        pitch = new Pitch(number, name, octave);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Pitch other) => Number == other.Number;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Pitch p && Equals(p);
    /// <inheritdoc/>
    public override int GetHashCode() => Number;
    /// <inheritdoc/>
    public int CompareTo(Pitch other) => Number.CompareTo(other.Number);
    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj is Pitch p ? CompareTo(p) : throw new ArgumentException("Not a Pitch.", nameof(obj));
    /// <summary>Same sounding pitch.</summary>
    public static bool operator ==(Pitch a, Pitch b) => a.Number == b.Number;
    /// <summary>Different sounding pitch.</summary>
    public static bool operator !=(Pitch a, Pitch b) => a.Number != b.Number;
    /// <summary>Lower.</summary>
    public static bool operator <(Pitch a, Pitch b) => a.Number < b.Number;
    /// <summary>Higher.</summary>
    public static bool operator >(Pitch a, Pitch b) => a.Number > b.Number;
    /// <summary>Lower or same.</summary>
    public static bool operator <=(Pitch a, Pitch b) => a.Number <= b.Number;
    /// <summary>Higher or same.</summary>
    public static bool operator >=(Pitch a, Pitch b) => a.Number >= b.Number;
}
