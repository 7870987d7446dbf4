using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>A melody written as token ids, with the musical time each token stands at.</summary>
/// <param name="Tokens">The ids, starting with BOS and ending with EOS.</param>
/// <param name="Times">For each token, the time it refers to (BOS: zero; EOS: the melody's end).</param>
public sealed record TokenizedMelody(ImmutableArray<int> Tokens, ImmutableArray<Duration> Times)
{
    /// <summary>The number of tokens.</summary>
    public int Count => Tokens.Length;
}

/// <summary>Turns melodies into token ids and back. Implementations are immutable and thread-safe.</summary>
public interface ITokenizer
{
    /// <summary>The configuration this tokenizer was built from (saved with models).</summary>
    TokenizerConfig Config { get; }

    /// <summary>The number of distinct token ids (ids are 0..VocabularySize-1).</summary>
    int VocabularySize { get; }

    /// <summary>The padding id (never produced by <see cref="Encode"/>).</summary>
    int Pad { get; }

    /// <summary>The begin-of-sequence id.</summary>
    int Bos { get; }

    /// <summary>The end-of-sequence id.</summary>
    int Eos { get; }

    /// <summary>Encodes a melody as BOS, its events, EOS.</summary>
    /// <exception cref="TokenizationException">The melody does not fit this tokenizer; the message names the note and why.</exception>
    TokenizedMelody Encode(Melody melody);

    /// <summary>Encodes a melody, or says why it cannot.</summary>
    bool TryEncode(Melody melody, out TokenizedMelody? result, out TokenizationException? error);

    /// <summary>The notes written by <paramref name="tokens"/> (PAD and BOS are skipped; decoding stops at EOS).</summary>
    /// <remarks>Velocity is not tokenized: decoded notes carry <see cref="Note.DefaultVelocity"/>.</remarks>
    IReadOnlyList<Note> Decode(IEnumerable<int> tokens);

    /// <summary>A readable name for a token id, e.g. <c>NOTE_ON(60)</c>.</summary>
    string TokenName(int id);

    /// <summary>
    /// True when <paramref name="token"/>, following <paramref name="previous"/> (a negative value at the start), begins
    /// a new musical event (a note, a bar line, a grid step): event-level models such as the note-event n-gram count
    /// their context in events. By default every token is an event.
    /// </summary>
    bool StartsEvent(int previous, int token) => true;

    /// <summary>The MIDI pitch a token starts a note with (<c>NOTE_ON(p)</c>, <c>PITCH(p)</c>), or null for any other token.</summary>
    int? PitchOf(int id) => null;

    /// <summary>
    /// For each note that <see cref="Decode"/> writes from <paramref name="tokens"/>, in order, the index of the token that
    /// decided it: its NOTE_ON or PITCH, or the COPY of the bar it was copied with.
    /// </summary>
    /// <remarks>By default, the tokens before EOS that have a <see cref="PitchOf"/>.</remarks>
    IReadOnlyList<int> NoteTokenIndices(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var indices = new List<int>();
        for (int k = 0; k < tokens.Count && tokens[k] != Eos; k++)
            if (PitchOf(tokens[k]) is not null) indices.Add(k);
        return indices;
    }
}

/// <summary>Helpers shared by the tokenizers.</summary>
internal static class Grid
{
    /// <summary>The number of grid steps in <paramref name="d"/>, or null when it is not a whole number of steps.</summary>
    public static long? Steps(Duration d, int stepsPerQuarter)
    {
        var r = d.Quarters * stepsPerQuarter;
        return r.Denominator == 1 ? r.Numerator : null;
    }

    public static Duration At(long steps, int stepsPerQuarter) => Duration.FromQuarters(steps, stepsPerQuarter);
}
