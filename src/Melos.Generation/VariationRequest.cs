using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// Vary a melody: about <see cref="Amount"/> of its notes, chosen at random, get a new pitch drawn from the model given
/// everything before them (and, with <see cref="Rhythm"/>, a new rhythm up to the next note); the other notes are kept
/// verbatim. Every field is checked when it is set.
/// </summary>
public sealed record VariationRequest
{
    /// <summary>Creates a request.</summary>
    public VariationRequest(Melody melody, double amount)
    {
        Melody = melody;
        Amount = amount;
    }

    /// <summary>The melody to vary.</summary>
    public Melody Melody
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Melody));
    }

    /// <summary>The share of notes to redraw, in (0, 1]: <c>round(Amount × notes)</c> notes, at least one.</summary>
    public double Amount
    {
        get;
        init => field = value > 0 && value <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Amount), value, "Amount must be in (0, 1].");
    }

    /// <summary>
    /// Also redraw the rhythm: from a chosen note's onset up to the next note's onset the model chooses freely (the
    /// note may be held, cut short, or split into several), under the same constraints.
    /// </summary>
    public bool Rhythm { get; init; }

    /// <summary>The number of variations (1..64), drawn one after another from one seeded random generator.</summary>
    public int Count
    {
        get;
        init => field = value is >= 1 and <= GenerationRequest.MaxCount ? value : throw new ArgumentOutOfRangeException(nameof(Count), value, $"Count must be 1..{GenerationRequest.MaxCount}.");
    } = 1;

    /// <summary>Softmax temperature (greater than 0).</summary>
    public double Temperature
    {
        get;
        init => field = SamplingChecks.Temperature(value);
    } = 1.0;

    /// <summary>Keep only the K most likely allowed tokens (at least 1), or null.</summary>
    public int? TopK
    {
        get;
        init => field = SamplingChecks.TopK(value);
    }

    /// <summary>Nucleus sampling threshold in (0, 1], or null.</summary>
    public double? TopP
    {
        get;
        init => field = SamplingChecks.TopP(value);
    }

    /// <summary>The key whose scale new pitches use (unless <see cref="Chromatic"/>); null: the melody's, else estimated.</summary>
    public Key? Key { get; init; }

    /// <summary>The lowest new pitch, or null for the melody's lowest note.</summary>
    public Pitch? Low { get; init; }

    /// <summary>The highest new pitch, or null for the melody's highest note.</summary>
    public Pitch? High { get; init; }

    /// <summary>The largest interval in semitones from the previous note (and, when possible, to the next one), or null.</summary>
    public int? MaxLeap
    {
        get;
        init => field = SamplingChecks.MaxLeap(value);
    }

    /// <summary>Allow pitches outside the key's scale.</summary>
    public bool Chromatic { get; init; }

    /// <summary>Seeds every random choice (which notes, and their new pitches).</summary>
    public int Seed { get; init; }

    /// <summary>The number of notes redrawn in <paramref name="noteCount"/>: <c>round(Amount × noteCount)</c> (half away from zero), at least 1.</summary>
    public int NotesToRedraw(int noteCount) => noteCount == 0 ? 0 : Math.Clamp((int)Math.Round(Amount * noteCount, MidpointRounding.AwayFromZero), 1, noteCount);

    /// <summary>Checks the melody and the range.</summary>
    /// <exception cref="ArgumentException">The melody has no notes, or the range is inverted.</exception>
    public void Validate()
    {
        if (Melody.Notes.IsEmpty) throw new ArgumentException("The melody has no notes to vary.", nameof(Melody));
        if (Low is { } lo && High is { } hi && lo.Number > hi.Number)
            throw new ArgumentException($"The range {lo}-{hi} is inverted: the low pitch is above the high one.", nameof(Low));
    }
}

/// <summary>One variation.</summary>
/// <param name="Melody">The varied melody: key, meters, tempi, chords, metadata and length of the original.</param>
/// <param name="LogLikelihood">The model's log-likelihood of the whole varied melody (natural log, plain softmax, EOS not counted).</param>
/// <param name="Tokens">Its grid tokens, starting with BOS.</param>
/// <param name="Chosen">The indices (into the original's notes, ascending) of the notes that were redrawn.</param>
/// <param name="ChangedNotes">The notes of the result that are not in the original (same start, length and pitch).</param>
public sealed record VariedMelody(Melody Melody, double LogLikelihood, IReadOnlyList<int> Tokens, IReadOnlyList<int> Chosen, int ChangedNotes);
