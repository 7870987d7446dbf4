using System.Collections.Immutable;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models.Tests;

/// <summary>Small corpora for model tests.</summary>
internal static class Toy
{
    public static readonly ConditioningVocabulary Vocabulary = new() { StepsPerQuarter = 4, MaxBarSteps = 32, Styles = ["a", "b"] };

    /// <summary>A sequence with a simple conditioning stream (position cycles through a 4/4 bar of 16 steps).</summary>
    public static EncodedSequence Sequence(IEnumerable<int> tokens, string group = "", int style = 1)
    {
        var t = tokens.ToImmutableArray();
        var cond = t.Select((_, i) => new ConditionStep(1 + (i / 8 % 3) * 7, i % 16, 1 + Vocabulary.Meters.IndexOf("4/4"), 1, style)).ToImmutableArray();
        return new EncodedSequence(t, cond, t.Length / 2, group);
    }

    /// <summary>Grid-tokenized melodies of a one-bar riff played four times, transposed: highly predictable.</summary>
    public static (GridTokenizer Tokenizer, List<EncodedSequence> Sequences) Riffs(int count)
    {
        var tokenizer = new GridTokenizer(new GridTokenizerConfig { StepsPerQuarter = 4 });
        var list = new List<EncodedSequence>();
        for (int i = 0; i < count; i++)
        {
            int shift = i % 5;
            var notes = NoteSequence.Parse(string.Join(' ', Enumerable.Repeat("C4 E4/2 G4/2 C5 r/2 G4/2", 4)));
            var melody = Melody.Create(notes, Key.CMajor, info: new MelodyInfo { Styles = [i % 2 == 0 ? "a" : "b"] }).Transpose(shift);
            list.Add(EncodedSequence.Encode(tokenizer, Vocabulary, melody, i % 2 == 0 ? "a" : "b"));
        }
        return (tokenizer, list);
    }
}
