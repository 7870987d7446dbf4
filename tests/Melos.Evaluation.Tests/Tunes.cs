using Melos.Music;

namespace Melos.Evaluation.Tests;

/// <summary>Melodies with known answers, and seeded random ones.</summary>
internal static class Tunes
{
    /// <summary>A melody from a note string (<c>"C4 D4 E4/2"</c>) in a key and meter.</summary>
    public static Melody Of(string notes, string key = "C", string meter = "4/4", Duration? length = null, string? source = null) =>
        Melody.Create(NoteSequence.Parse(notes), Key.Parse(key), [new MeterChange(Duration.Zero, TimeSignature.Parse(meter))],
            info: new MelodyInfo { Source = source }, length: length);

    /// <summary>C4 D4 E4 F4 G4 A4 B4 C5, quarter notes: two bars of 4/4 in C major.</summary>
    public static Melody CMajorScale => Of("C4 D4 E4 F4 G4 A4 B4 C5");

    /// <summary>
    /// A folk-like melody: stepwise motion in a major key (chosen by the seed), quarters and eighths in pairs, a whole
    /// bar's worth per bar, ending on the tonic.
    /// </summary>
    public static Melody Stepwise(Random rng, int bars)
    {
        var key = Key.Parse(new[] { "C", "G", "D", "F" }[rng.Next(4)]);
        var scale = key.Scale.PitchClasses.ToArray();
        int Pitch(int degree) => 60 + scale[((degree % 7) + 7) % 7] + 12 * (int)Math.Floor(degree / 7.0) - (scale[0] > 6 ? 12 : 0);
        var notes = new List<Note>();
        int d = 0;
        var t = Duration.Zero;
        var end = Duration.FromQuarters(4 * bars);
        while (t < end)
        {
            // A quarter, or two eighths moving by step.
            int count = rng.Next(3) == 0 ? 1 : 2;
            var len = count == 1 ? Duration.Quarter : Duration.Eighth;
            for (int i = 0; i < count; i++)
            {
                d = Math.Clamp(d + rng.Next(-2, 3), -3, 9);
                notes.Add(new Note(Music.Pitch.FromMidi(Pitch(d)), t, len));
                t += len;
            }
        }
        notes[^1] = notes[^1] with { Pitch = Music.Pitch.FromMidi(Pitch(d >= 4 ? 7 : 0)) };
        return Melody.Create(notes, key, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: end);
    }

    /// <summary>Random notes: any pitch of MIDI 48..84, lengths of 1 to 8 sixteenths, in 4/4, cut at the last bar line.</summary>
    public static Melody RandomNotes(Random rng, int bars)
    {
        var notes = new List<Note>();
        var t = Duration.Zero;
        var end = Duration.FromQuarters(4 * bars);
        while (t < end)
        {
            var len = Duration.Min(Duration.FromQuarters(rng.Next(1, 9), 4), end - t);
            notes.Add(new Note(Music.Pitch.FromMidi(rng.Next(48, 85)), t, len));
            t += len;
        }
        return Melody.Create(notes, null, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: end);
    }
}
