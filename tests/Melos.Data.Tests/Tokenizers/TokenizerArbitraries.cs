using FsCheck;
using FsCheck.Fluent;
using Melos.Music;

namespace Melos.Data.Tests.Tokenizers;

/// <summary>A quantized melody and the grid it lies on (steps per quarter).</summary>
public sealed record GridMelody(Melody Melody, int StepsPerQuarter)
{
    public override string ToString() => $"spq {StepsPerQuarter}, meters [{string.Join(", ", Melody.Meters)}], length {Melody.Length}: {NoteSequence.Format(Melody.Notes)}";
}

/// <summary>FsCheck generators of quantized melodies (pitches 48..84, default velocity, grid of 4 or 12 steps per quarter).</summary>
public static class TokenizerArbitraries
{
    private static readonly string[] Meters = ["2/4", "3/4", "4/4", "6/8", "9/8", "12/8", "3/8", "5/4", "2/2"];

    private static Gen<Note[]> NotesGen(int spq) =>
        from count in Gen.Choose(0, 25)
        from gaps in Gen.ArrayOf(Gen.Elements(0, 0, 0, 1, 2, 3, spq, 2 * spq), count)
        from lengths in Gen.ArrayOf(Gen.Choose(1, 5 * spq), count)
        from pitches in Gen.ArrayOf(Gen.Choose(48, 84), count)
        select Build(spq, gaps, lengths, pitches);

    private static Note[] Build(int spq, int[] gaps, int[] lengths, int[] pitches)
    {
        var notes = new Note[gaps.Length];
        long t = 0;
        for (int i = 0; i < notes.Length; i++)
        {
            t += gaps[i];
            notes[i] = new Note(Pitch.FromMidi(pitches[i]), Duration.FromQuarters(t, spq), Duration.FromQuarters(lengths[i], spq));
            t += lengths[i];
        }
        return notes;
    }

    private static Gen<ChordChange[]> ChordsGen =>
        from count in Gen.Choose(0, 4)
        from roots in Gen.ArrayOf(Gen.Elements(Enum.GetValues<Step>()), count)
        from qualities in Gen.ArrayOf(Gen.Elements(Enum.GetValues<ChordQuality>()), count)
        select roots.Select((r, i) => new ChordChange(Duration.FromQuarters(2 * i), new ChordSymbol(new NoteName(r), qualities[i]))).ToArray();

    public static Gen<GridMelody> GridMelodyGen =>
        from spq in Gen.Elements(4, 12)
        from notes in NotesGen(spq)
        from tail in Gen.Choose(0, 4 * spq)
        from meter in Gen.Elements(Meters)
        from chords in ChordsGen
        let end = notes.Length == 0 ? Duration.Zero : notes[^1].End
        select new GridMelody(Melody.Create(notes, Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse(meter))], chords: chords,
            length: end + Duration.FromQuarters(tail, spq)), spq);

    /// <summary>Melodies whose meter may change once, on a bar line.</summary>
    public static Gen<GridMelody> BarMelodyGen =>
        from spq in Gen.Elements(4, 12)
        from notes in NotesGen(spq)
        from first in Gen.Elements(Meters)
        from second in Gen.Elements(Meters)
        from changeBar in Gen.Choose(0, 4)
        select new GridMelody(Melody.Create(notes, null, MeterTrack(first, second, changeBar)), spq);

    private static MeterChange[] MeterTrack(string first, string second, int changeBar)
    {
        var a = TimeSignature.Parse(first);
        if (changeBar == 0 || first == second) return [new MeterChange(Duration.Zero, a)];
        return [new MeterChange(Duration.Zero, a), new MeterChange(a.BarLength * changeBar, TimeSignature.Parse(second))];
    }

    public static Arbitrary<GridMelody> GridMelody() => GridMelodyGen.ToArbitrary();
}

public static class BarMelodyArbitraries
{
    public static Arbitrary<GridMelody> GridMelody() => TokenizerArbitraries.BarMelodyGen.ToArbitrary();
}
