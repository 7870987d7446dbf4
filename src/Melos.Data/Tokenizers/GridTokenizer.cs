using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>
/// Magenta MelodyRNN-style melody events on a fixed grid: one token per grid step, NOTE_ON(pitch) where a note starts,
/// NOTE_OFF where a note ends and no other starts, HOLD where nothing happens; plus PAD, BOS and EOS.
/// Ids: PAD 0, BOS 1, EOS 2, NOTE_OFF 3, HOLD 4, NOTE_ON(p) 5 + (p - MinPitch).
/// The melody's trailing rest (its <see cref="Melody.Length"/> past the last note) is kept as NOTE_OFF then HOLDs.
/// </summary>
public sealed class GridTokenizer : ITokenizer
{
    /// <summary>The padding id.</summary>
    public const int PadId = 0;
    /// <summary>The begin-of-sequence id.</summary>
    public const int BosId = 1;
    /// <summary>The end-of-sequence id.</summary>
    public const int EosId = 2;
    /// <summary>The id of NOTE_OFF: the sounding note stops at this step.</summary>
    public const int NoteOffId = 3;
    /// <summary>The id of HOLD: no event at this step.</summary>
    public const int HoldId = 4;
    private const int FirstNoteOn = 5;

    /// <summary>Creates a tokenizer.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public GridTokenizer(GridTokenizerConfig? config = null)
    {
        GridConfig = config ?? new GridTokenizerConfig();
        GridConfig.Validate();
    }

    /// <summary>The configuration.</summary>
    public GridTokenizerConfig GridConfig { get; }

    /// <inheritdoc/>
    public TokenizerConfig Config => GridConfig;

    /// <inheritdoc/>
    public int VocabularySize => FirstNoteOn + GridConfig.MaxPitch - GridConfig.MinPitch + 1;

    /// <inheritdoc/>
    public int Pad => PadId;

    /// <inheritdoc/>
    public int Bos => BosId;

    /// <inheritdoc/>
    public int Eos => EosId;

    /// <summary>The NOTE_ON id of MIDI pitch <paramref name="midi"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pitch is outside the configured range.</exception>
    public int NoteOn(int midi) =>
        midi >= GridConfig.MinPitch && midi <= GridConfig.MaxPitch ? FirstNoteOn + midi - GridConfig.MinPitch
        : throw new ArgumentOutOfRangeException(nameof(midi), midi, $"Pitch outside {GridConfig.MinPitch}..{GridConfig.MaxPitch}.");

    /// <summary>The MIDI pitch of a NOTE_ON id, or null for any other id.</summary>
    public int? PitchOf(int id) => id >= FirstNoteOn && id < VocabularySize ? id - FirstNoteOn + GridConfig.MinPitch : null;

    /// <inheritdoc/>
    public TokenizedMelody Encode(Melody melody) =>
        TryEncode(melody, out var result, out var error) ? result! : throw error!;

    /// <inheritdoc/>
    public bool TryEncode(Melody melody, out TokenizedMelody? result, out TokenizationException? error)
    {
        ArgumentNullException.ThrowIfNull(melody);
        result = null;
        error = null;
        int spq = GridConfig.StepsPerQuarter;
        foreach (var note in melody.Notes)
        {
            if (note.Pitch.Number < GridConfig.MinPitch || note.Pitch.Number > GridConfig.MaxPitch)
            {
                error = new TokenizationException(note, $"pitch {note.Pitch.Number} is outside the tokenizer's range {GridConfig.MinPitch}..{GridConfig.MaxPitch}", TokenizationFailure.PitchRange);
                return false;
            }
            if (Grid.Steps(note.Start, spq) is null)
            {
                error = new TokenizationException(note, $"its onset {note.Start} quarters is not on the grid of {spq} steps per quarter", TokenizationFailure.OffGrid);
                return false;
            }
            if (Grid.Steps(note.End, spq) is null)
            {
                error = new TokenizationException(note, $"its end {note.End} quarters (length {note.Length}) is not on the grid of {spq} steps per quarter", TokenizationFailure.OffGrid);
                return false;
            }
        }
        // The trailing rest is rounded up to the grid: it is not a note, so it cannot break the round trip.
        var lengthSteps = melody.Length.Quarters * spq;
        long total = lengthSteps.Denominator == 1 ? lengthSteps.Numerator : lengthSteps.Floor() + 1;
        if (total > 1_000_000)
        {
            error = new TokenizationException(null, $"the melody is {total} grid steps long; at most 1000000 are supported", TokenizationFailure.TooLong);
            return false;
        }
        var events = new int[total];
        Array.Fill(events, HoldId);
        foreach (var note in melody.Notes)
        {
            long end = Grid.Steps(note.End, spq)!.Value;
            if (end < total) events[end] = NoteOffId;
        }
        foreach (var note in melody.Notes)
            events[Grid.Steps(note.Start, spq)!.Value] = NoteOn(note.Pitch.Number);

        var tokens = ImmutableArray.CreateBuilder<int>((int)total + 2);
        var times = ImmutableArray.CreateBuilder<Duration>((int)total + 2);
        tokens.Add(BosId);
        times.Add(Duration.Zero);
        for (long s = 0; s < total; s++)
        {
            tokens.Add(events[s]);
            times.Add(Grid.At(s, spq));
        }
        tokens.Add(EosId);
        times.Add(Grid.At(total, spq));
        result = new TokenizedMelody(tokens.MoveToImmutable(), times.MoveToImmutable());
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Note> Decode(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int spq = GridConfig.StepsPerQuarter;
        var notes = new List<Note>();
        long step = 0;
        (int Pitch, long Start)? open = null;
        void Close()
        {
            if (open is { } o && step > o.Start)
                notes.Add(new Note(Pitch.FromMidi(o.Pitch), Grid.At(o.Start, spq), Grid.At(step - o.Start, spq)));
            open = null;
        }
        foreach (int id in tokens)
        {
            if (id == EosId) break;
            if (id is PadId or BosId) continue;
            if (id < 0 || id >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token id outside 0..{VocabularySize - 1}.");
            if (id == NoteOffId) Close();
            else if (PitchOf(id) is { } p)
            {
                Close();
                open = (p, step);
            }
            step++;
        }
        Close();
        return notes;
    }

    /// <inheritdoc/>
    public string TokenName(int id) => id switch
    {
        PadId => "PAD",
        BosId => "BOS",
        EosId => "EOS",
        NoteOffId => "NOTE_OFF",
        HoldId => "HOLD",
        _ when PitchOf(id) is { } p => string.Create(CultureInfo.InvariantCulture, $"NOTE_ON({p})"),
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{VocabularySize - 1}."),
    };
}
