using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// What a musician asks for: length, <see cref="Sampling"/> settings, musical constraints (the key, the
/// <see cref="Pitches"/> allowed, density, chords, form) and conditioning. Every field is checked when it is set and
/// <see cref="Validate"/> checks the fields against each other; either throws an <see cref="InvalidRequestException"/>
/// that names the field (null where a value is required is an <see cref="ArgumentNullException"/>: a programming error).
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>The longest request, in bars.</summary>
    public const int MaxBars = 256;

    /// <summary>The most melodies one request may ask for.</summary>
    public const int MaxCount = 64;

    /// <summary>The number of bars to generate (1..256); the output is exactly this long.</summary>
    public int Bars
    {
        get;
        init => field = value is >= 1 and <= MaxBars ? value : throw new InvalidRequestException(RequestField.Bars, $"must be 1..{MaxBars}, not {value}");
    } = 8;

    /// <summary>The number of melodies (1..64).</summary>
    public int Count
    {
        get;
        init => field = value is >= 1 and <= MaxCount ? value : throw new InvalidRequestException(RequestField.Count, $"must be 1..{MaxCount}, not {value}");
    } = 1;

    /// <summary>How tokens are drawn (temperature, top-k, top-p); not used by beam search.</summary>
    public SamplingSettings Sampling
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Sampling));
    } = SamplingSettings.Default;

    /// <summary>Notes the melody starts with, verbatim (time 0 = downbeat of bar 1), or empty.</summary>
    public ImmutableArray<Note> Primer
    {
        get;
        init => field = value.IsDefault ? [] : value;
    } = [];

    /// <summary>The key: conditions the model and, unless <see cref="PitchConstraints.Chromatic"/>, restricts pitches to its scale.</summary>
    public Key Key
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Key));
    } = Key.CMajor;

    /// <summary>The meter of every bar.</summary>
    public TimeSignature Meter
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Meter));
    } = TimeSignature.CommonTime;

    /// <summary>The pitches allowed: range (null ends: the model's lowest and highest), largest leap, chromatic or in the key's scale.</summary>
    public PitchConstraints Pitches
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Pitches));
    } = PitchConstraints.None;

    /// <summary>End on the tonic: the last note's pitch class is the key's tonic whenever the other constraints allow one.</summary>
    public bool EndOnTonic { get; init; }

    /// <summary>
    /// The chord progression: each chord lasts one bar or its <see cref="ProgressionChord.Beats"/>, and the progression
    /// repeats from the start until the bars are filled (<see cref="ChordProgression.Layout"/>); empty for no chords.
    /// A plain list of <see cref="ChordSymbol"/> gives one chord per bar.
    /// </summary>
    public ImmutableArray<ProgressionChord> Chords
    {
        get;
        init => field = value.IsDefault ? [] : value.All(c => c.Chord is not null) ? value : throw new InvalidRequestException(RequestField.Chords, "every chord of the progression needs a chord symbol");
    } = [];

    /// <summary>The fewest notes that start in each generated bar (0..<see cref="MaxDensity"/>), or null for no minimum.</summary>
    public int? MinNotesPerBar
    {
        get;
        init => field = value is null or (>= 0 and <= MaxDensity) ? value : throw new InvalidRequestException(RequestField.MinNotesPerBar, $"must be 0..{MaxDensity} notes per bar, not {value}");
    }

    /// <summary>The most notes that start in each generated bar (1..<see cref="MaxDensity"/>), or null for no maximum.</summary>
    public int? MaxNotesPerBar
    {
        get;
        init => field = value is null or (>= 1 and <= MaxDensity) ? value : throw new InvalidRequestException(RequestField.MaxNotesPerBar, $"must be 1..{MaxDensity} notes per bar, not {value}");
    }

    /// <summary>The largest density bound, in notes per bar.</summary>
    public const int MaxDensity = 256;

    /// <summary>
    /// Beam search of this width (1..<see cref="MaxBeamWidth"/>) instead of sampling, or null: keeps the
    /// <see cref="BeamWidth"/> most likely partial melodies at every step and returns the <see cref="Count"/> most likely
    /// (never less likely than greedy decoding). Deterministic: temperature, top-k/top-p and the seed are not used.
    /// </summary>
    public int? BeamWidth
    {
        get;
        init => field = value is null or (>= 1 and <= MaxBeamWidth) ? value : throw new InvalidRequestException(RequestField.BeamWidth, $"must be 1..{MaxBeamWidth}, not {value}");
    }

    /// <summary>The widest beam.</summary>
    public const int MaxBeamWidth = 64;

    /// <summary>
    /// Best-of-N reranking (1..<see cref="MaxBestOf"/>), or null: each melody is the most likely of N sampled candidates
    /// (by <see cref="GeneratedMelody.LogLikelihood"/>), all drawn from the one seeded random generator.
    /// </summary>
    public int? BestOf
    {
        get;
        init => field = value is null or (>= 1 and <= MaxBestOf) ? value : throw new InvalidRequestException(RequestField.BestOf, $"must be 1..{MaxBestOf}, not {value}");
    }

    /// <summary>The most candidates per melody for <see cref="BestOf"/>.</summary>
    public const int MaxBestOf = 256;

    /// <summary>A style label the model knows (see the checkpoint's conditioning vocabulary), or null.</summary>
    public string? Style { get; init; }

    /// <summary>
    /// The form to follow, or null: a bar whose symbol appeared before is a copy of that earlier bar (each token is
    /// fed to the model as if sampled, and kept only while the constraints allow it and the two bars have the same
    /// chord; otherwise the rest of the bar is sampled). The form starts at bar 1, or at bar 2 when bar 1 turns out to
    /// be a pickup (it opens with silence). Bars past the form's end are sampled.
    /// </summary>
    public MelodyForm? Form { get; init; }

    /// <summary>The tempo written into the melodies, in quarter notes per minute (1..1000).</summary>
    public double TempoBpm
    {
        get;
        init => field = value is >= 1 and <= 1000 ? value
            : throw new InvalidRequestException(RequestField.TempoBpm, $"must be 1..1000 quarter notes per minute, not {InvalidRequestException.Show(value)}");
    } = 120;

    /// <summary>Seeds every random choice: the same request and model give the same melodies. 0 or more (a negative seed is refused).</summary>
    public int Seed
    {
        get;
        init => field = value >= 0 ? value : throw new InvalidRequestException(RequestField.Seed, $"must be 0 or more, not {value}");
    }

    /// <summary>The length of the requested melody.</summary>
    public Duration Length => Duration.FromQuarters(Meter.BarLength.Quarters * Bars);

    /// <summary>Checks the fields against each other.</summary>
    /// <exception cref="InvalidRequestException">
    /// The range is inverted, the primer is longer than the requested bars, the density bounds are inverted or more
    /// notes are asked for than a bar holds on a sixteenth grid, beam search is combined with best-of-N or a form, or more
    /// melodies are asked of a beam than it is wide.
    /// </exception>
    public void Validate()
    {
        Pitches.Validate();
        if (MinNotesPerBar is { } min && MaxNotesPerBar is { } max && min > max)
            throw new InvalidRequestException(RequestField.MinNotesPerBar, $"the density {min}-{max} is inverted: at least {min} but at most {max} notes per bar");
        var sixteenths = (Meter.BarLength.Quarters * 4).Floor();
        if (MinNotesPerBar is { } least && least > sixteenths)
            throw new InvalidRequestException(RequestField.MinNotesPerBar, $"at least {least} notes per bar cannot fit: a bar of {Meter} holds {sixteenths} sixteenths");
        if (BeamWidth is not null && BestOf is not null)
            throw new InvalidRequestException(RequestField.BeamWidth, "beam search and best-of-N cannot be combined: choose one");
        if (BeamWidth is not null && Form is not null)
            throw new InvalidRequestException(RequestField.Form, "beam search cannot follow a form: sample instead (drop the beam width or the form)");
        if (BeamWidth is { } width && Count > width)
            throw new InvalidRequestException(RequestField.Count, $"a beam of width {width} cannot return {Count} melodies; widen the beam to at least {Count}");
        if (!Primer.IsEmpty)
        {
            for (int i = 1; i < Primer.Length; i++)
                if (Primer[i].Start < Primer[i - 1].End) throw new InvalidRequestException(RequestField.Primer, $"notes {i - 1} and {i} overlap or are out of order");
            if (Primer[0].Start.IsNegative) throw new InvalidRequestException(RequestField.Primer, "cannot start before bar 1");
            if (Primer[^1].End > Length)
                throw new InvalidRequestException(RequestField.Primer,
                    $"lasts {InvalidRequestException.Show(Primer[^1].End.Quarters)} quarters, longer than the {Bars} bars of {Meter} requested ({InvalidRequestException.Show(Length.Quarters)} quarters)");
        }
    }
}
