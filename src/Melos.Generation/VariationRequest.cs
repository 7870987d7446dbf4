using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// Vary a melody: about <see cref="Amount"/> of its notes, chosen at random, get a new pitch drawn from the model given
/// everything before them (and, with <see cref="Rhythm"/>, a new rhythm up to the next note); the other notes are kept
/// verbatim. Every field is checked when it is set (an <see cref="InvalidRequestException"/> names it).
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
        init => field = value > 0 && value <= 1 ? value : throw new InvalidRequestException(RequestField.Amount, $"must be in (0, 1], not {InvalidRequestException.Show(value)}");
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
        init => field = value is >= 1 and <= GenerationRequest.MaxCount ? value : throw new InvalidRequestException(RequestField.Count, $"must be 1..{GenerationRequest.MaxCount}, not {value}");
    } = 1;

    /// <summary>How tokens are drawn (temperature, top-k, top-p).</summary>
    public SamplingSettings Sampling
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Sampling));
    } = SamplingSettings.Default;

    /// <summary>The key whose scale new pitches use (unless <see cref="PitchConstraints.Chromatic"/>); null: the melody's, else estimated.</summary>
    public Key? Key { get; init; }

    /// <summary>
    /// The pitches new notes may take: range (null ends: the melody's lowest and highest notes), largest leap
    /// (between consecutive notes, into and, as a preference, out of the new notes), chromatic or in the key's scale.
    /// </summary>
    public PitchConstraints Pitches
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Pitches));
    } = PitchConstraints.None;

    /// <summary>Seeds every random choice (which notes, and their new pitches). 0 or more (a negative seed is refused).</summary>
    public int Seed
    {
        get;
        init => field = value >= 0 ? value : throw new InvalidRequestException(RequestField.Seed, $"must be 0 or more, not {value}");
    }

    /// <summary>The number of notes redrawn in <paramref name="noteCount"/>: <c>round(Amount × noteCount)</c> (half away from zero), at least 1.</summary>
    public int NotesToRedraw(int noteCount) => noteCount == 0 ? 0 : Math.Clamp((int)Math.Round(Amount * noteCount, MidpointRounding.AwayFromZero), 1, noteCount);

    /// <summary>Checks the melody and the range.</summary>
    /// <exception cref="InvalidRequestException">The melody has no notes, or the range is inverted.</exception>
    public void Validate()
    {
        if (Melody.Notes.IsEmpty) throw new InvalidRequestException(RequestField.Melody, "has no notes to vary");
        Pitches.Validate();
    }
}

/// <summary>One variation.</summary>
/// <param name="Melody">The varied melody: key, meters, tempi, chords, metadata and length of the original.</param>
/// <param name="LogLikelihood">The model's log-likelihood of the whole varied melody (natural log, plain softmax, EOS not counted).</param>
/// <param name="Tokens">Its grid tokens, starting with BOS.</param>
/// <param name="Chosen">The indices (into the original's notes, ascending) of the notes that were redrawn.</param>
/// <param name="ChangedNotes">The notes of the result that are not in the original (same start, length and pitch).</param>
public sealed record VariedMelody(Melody Melody, double LogLikelihood, IReadOnlyList<int> Tokens, IReadOnlyList<int> Chosen, int ChangedNotes);
