using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Tokenizers;
using Melos.Tests;

namespace Melos.Data.Tests.Tokenizers;

/// <summary>The whole-tune note tokens over every shared collection: melody to tokens to melody, repeats unfolded.</summary>
public sealed class WholeTuneRoundTripTests
{
    [DatasetTheory]
    [InlineData("nottingham", 0.8)]
    [InlineData("folk-abc/oneills1850", 0.8)]
    [InlineData("folk-abc/ryans-mammoth", 0.8)]
    [InlineData("folk-abc/airds-airs", 0.8)]
    [InlineData("folk-abc/misc-folk", 0.8)]
    [InlineData("bach-chorales-musicxml", 0.8)]
    // Pop melodies often leave the default pitch range 48..84: fewer fit, and those must still come back exactly.
    [InlineData("pop909", 0.1)]
    public void Every_tune_that_fits_comes_back_note_for_note(string collection, double leastShare)
    {
        var data = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [Datasets.PathOf(collection.Split('/'))] });
        // Bar numbers up to 512, so that only notes off the grid or outside the range keep a tune out.
        var tokenizer = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { MaxBars = 512 });
        var fromEnd = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { MaxBars = 512, NumberBarsFromEnd = true });
        int fitted = 0, copies = 0, bars = 0;
        foreach (var entry in data.Entries)
        {
            if (!tokenizer.TryEncode(entry.Melody, out var encoded, out var error))
            {
                Assert.NotEqual(TokenizationFailure.Other, error!.Kind);
                continue;
            }
            fitted++;
            // Tokens keep pitch numbers, onsets and lengths (not spelling or velocity).
            Assert.Equal(entry.Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), tokenizer.Decode(encoded!.Tokens).Select(n => (n.Pitch.Number, n.Start, n.Length)));
            // Bars numbered from the end: the same notes back, and the last bar line is BAR(0).
            var counted = fromEnd.Encode(entry.Melody).Tokens;
            Assert.Equal(entry.Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), fromEnd.Decode(counted).Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.Equal(0, fromEnd.ValueOf(counted.Last(id => fromEnd.KindOf(id) == NoteTokenKind.Bar)));
            copies += encoded.Tokens.Count(id => tokenizer.KindOf(id) == NoteTokenKind.Copy);
            bars += encoded.Tokens.Count(id => tokenizer.KindOf(id) == NoteTokenKind.Bar);
        }
        Assert.True(fitted >= data.Entries.Count * leastShare, $"{fitted} of {data.Entries.Count} tunes fit");
        // Folk tunes repeat their bars; the copies make up a real share of them.
        if (collection.StartsWith("folk-abc/", StringComparison.Ordinal) || collection == "nottingham")
            Assert.True(copies > bars / 5, $"{copies} copies in {bars} bars");
    }
}
