using Melos.Music;

namespace Melos.Generation;

/// <summary>How infilling chooses among its candidates.</summary>
public enum InfillScoring
{
    /// <summary>
    /// The model's log-likelihood of the gap and of everything after it, the right context teacher-forced after the
    /// candidate: the candidate that best leads into the rest of the tune wins.
    /// </summary>
    BothSides,

    /// <summary>The model's log-likelihood of the gap alone, given what comes before it (the right context is ignored).</summary>
    LeftOnly,
}

/// <summary>
/// Regenerate bars <see cref="FirstBar"/>..<see cref="LastBar"/> (1-based, inclusive; bar 1 starts at time 0, so a
/// pickup is bar 1) of a melody so that they join both neighbours. Every field is checked when it is set and
/// <see cref="Validate"/> checks the bars against the melody; either throws an <see cref="InvalidRequestException"/> that names the field.
/// </summary>
public sealed record InfillRequest
{
    /// <summary>Creates a request for the given melody and bars.</summary>
    public InfillRequest(Melody melody, int firstBar, int lastBar)
    {
        Melody = melody;
        FirstBar = firstBar;
        LastBar = lastBar;
    }

    /// <summary>The most candidates per result.</summary>
    public const int MaxCandidates = 256;

    /// <summary>The melody; its notes outside the bars are kept verbatim.</summary>
    public Melody Melody
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Melody));
    }

    /// <summary>The first bar to regenerate (1-based).</summary>
    public int FirstBar
    {
        get;
        init => field = value >= 1 ? value : throw new InvalidRequestException(RequestField.FirstBar, $"must be a bar number from 1, not {value}");
    }

    /// <summary>The last bar to regenerate (1-based, inclusive).</summary>
    public int LastBar
    {
        get;
        init => field = value >= 1 ? value : throw new InvalidRequestException(RequestField.LastBar, $"must be a bar number from 1, not {value}");
    }

    /// <summary>The number of results (1..64): each is the best of its own <see cref="Candidates"/>.</summary>
    public int Count
    {
        get;
        init => field = value is >= 1 and <= GenerationRequest.MaxCount ? value : throw new InvalidRequestException(RequestField.Count, $"must be 1..{GenerationRequest.MaxCount}, not {value}");
    } = 1;

    /// <summary>Candidates sampled per result (1..256); the best by <see cref="Scoring"/> is kept.</summary>
    public int Candidates
    {
        get;
        init => field = value is >= 1 and <= MaxCandidates ? value : throw new InvalidRequestException(RequestField.Candidates, $"must be 1..{MaxCandidates}, not {value}");
    } = 16;

    /// <summary>How candidates are ranked (default: both sides).</summary>
    public InfillScoring Scoring
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new InvalidRequestException(RequestField.Scoring, $"must be {string.Join(" or ", Enum.GetNames<InfillScoring>())}, not {(int)value}");
    } = InfillScoring.BothSides;

    /// <summary>How tokens are drawn (temperature, top-k, top-p).</summary>
    public SamplingSettings Sampling
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Sampling));
    } = SamplingSettings.Default;

    /// <summary>The key whose scale the new notes use (unless <see cref="PitchConstraints.Chromatic"/>); null: the melody's, else estimated from its notes.</summary>
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

    /// <summary>Seeds every random choice. 0 or more (a negative seed is refused).</summary>
    public int Seed
    {
        get;
        init => field = value >= 0 ? value : throw new InvalidRequestException(RequestField.Seed, $"must be 0 or more, not {value}");
    }

    /// <summary>Checks the bars against the melody and the range.</summary>
    /// <exception cref="InvalidRequestException">The bars are inverted or outside the melody, the range is inverted, or the melody has no notes and no key and range are given.</exception>
    public void Validate()
    {
        // An empty tune is filled only with its key and range given.
        if (Melody.Notes.IsEmpty && (Pitches.Low is null || Pitches.High is null || (Key ?? Melody.Key) is null))
            throw new InvalidRequestException(RequestField.Melody, "has no notes");
        if (FirstBar > LastBar) throw new InvalidRequestException(RequestField.FirstBar, $"the bars {FirstBar}-{LastBar} are inverted: bar {FirstBar} comes after bar {LastBar}");
        int bars = Melody.BarCount;
        if (LastBar > bars) throw new InvalidRequestException(RequestField.LastBar, $"bars {FirstBar}-{LastBar} are outside the tune: it has {bars} bars");
        Pitches.Validate();
    }
}

/// <summary>One infilling candidate and how the model scored it (natural log, plain softmax, EOS not counted).</summary>
/// <param name="Melody">The whole melody with the gap regenerated.</param>
/// <param name="Tokens">Its tokens, starting with BOS (EOS left out).</param>
/// <param name="GapLogLikelihood">Log-likelihood of the gap's tokens given what comes before.</param>
/// <param name="RightLogLikelihood">Log-likelihood of every token after the gap given the candidate and what comes before.</param>
/// <param name="LogLikelihood">Log-likelihood of the whole melody.</param>
/// <param name="JoinsWithinLeap">False when a maximum leap was asked for and the last note up to the gap's end leaps further to the first note after it.</param>
/// <param name="Group">The result this candidate competes for (0-based).</param>
/// <param name="Index">Its draw order within the group (0-based).</param>
public sealed record InfillCandidate(Melody Melody, IReadOnlyList<int> Tokens, double GapLogLikelihood, double RightLogLikelihood, double LogLikelihood,
    bool JoinsWithinLeap, int Group, int Index)
{
    /// <summary>The score a ranking uses: gap plus right context for <see cref="InfillScoring.BothSides"/>, the gap alone for <see cref="InfillScoring.LeftOnly"/>.</summary>
    public double Score(InfillScoring scoring) => scoring == InfillScoring.BothSides ? GapLogLikelihood + RightLogLikelihood : GapLogLikelihood;

    /// <summary>The model's log-probability of every token of <see cref="Tokens"/> after BOS (teacher-forced over the whole melody).</summary>
    public IReadOnlyList<double> TokenLogProbabilities { get; init; } = [];
}
