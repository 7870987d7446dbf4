using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// What a musician asks for: length, sampling settings, musical constraints and conditioning. Every field is checked
/// when it is set (an <see cref="ArgumentOutOfRangeException"/> names it); <see cref="Validate"/> checks the fields
/// against each other.
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
        init => field = value is >= 1 and <= MaxBars ? value : throw new ArgumentOutOfRangeException(nameof(Bars), value, $"Bars must be 1..{MaxBars}.");
    } = 8;

    /// <summary>The number of melodies (1..64).</summary>
    public int Count
    {
        get;
        init => field = value is >= 1 and <= MaxCount ? value : throw new ArgumentOutOfRangeException(nameof(Count), value, $"Count must be 1..{MaxCount}.");
    } = 1;

    /// <summary>Softmax temperature (greater than 0): lower is safer, higher is more adventurous.</summary>
    public double Temperature
    {
        get;
        init => field = SamplingChecks.Temperature(value);
    } = 1.0;

    /// <summary>Keep only the K most likely allowed tokens (at least 1), or null for all.</summary>
    public int? TopK
    {
        get;
        init => field = SamplingChecks.TopK(value);
    }

    /// <summary>Nucleus sampling: keep the most likely allowed tokens whose probabilities add up to P (0 &lt; P ≤ 1), or null.</summary>
    public double? TopP
    {
        get;
        init => field = SamplingChecks.TopP(value);
    }

    /// <summary>Notes the melody starts with, verbatim (time 0 = downbeat of bar 1), or empty.</summary>
    public ImmutableArray<Note> Primer
    {
        get;
        init => field = value.IsDefault ? [] : value;
    } = [];

    /// <summary>The key: conditions the model and, unless <see cref="Chromatic"/>, restricts pitches to its scale.</summary>
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

    /// <summary>The lowest pitch allowed, or null for the model's lowest.</summary>
    public Pitch? Low { get; init; }

    /// <summary>The highest pitch allowed, or null for the model's highest.</summary>
    public Pitch? High { get; init; }

    /// <summary>The largest interval in semitones between consecutive notes (0..127), or null for no limit.</summary>
    public int? MaxLeap
    {
        get;
        init => field = SamplingChecks.MaxLeap(value);
    }

    /// <summary>End on the tonic: the last note's pitch class is the key's tonic whenever the other constraints allow one.</summary>
    public bool EndOnTonic { get; init; }

    /// <summary>Allow pitches outside the key's scale.</summary>
    public bool Chromatic { get; init; }

    /// <summary>
    /// The chord progression: each chord lasts one bar or its <see cref="ProgressionChord.Beats"/>, and the progression
    /// repeats from the start until the bars are filled (<see cref="ChordProgression.Layout"/>); empty for no chords.
    /// A plain list of <see cref="ChordSymbol"/> gives one chord per bar.
    /// </summary>
    public ImmutableArray<ProgressionChord> Chords
    {
        get;
        init => field = value.IsDefault ? [] : value.All(c => c.Chord is not null) ? value : throw new ArgumentException("Every chord of the progression needs a chord symbol.", nameof(Chords));
    } = [];

    /// <summary>The fewest notes that start in each generated bar (0..<see cref="MaxDensity"/>), or null for no minimum.</summary>
    public int? MinNotesPerBar
    {
        get;
        init => field = value is null or (>= 0 and <= MaxDensity) ? value : throw new ArgumentOutOfRangeException(nameof(MinNotesPerBar), value, $"MinNotesPerBar must be 0..{MaxDensity}.");
    }

    /// <summary>The most notes that start in each generated bar (1..<see cref="MaxDensity"/>), or null for no maximum.</summary>
    public int? MaxNotesPerBar
    {
        get;
        init => field = value is null or (>= 1 and <= MaxDensity) ? value : throw new ArgumentOutOfRangeException(nameof(MaxNotesPerBar), value, $"MaxNotesPerBar must be 1..{MaxDensity}.");
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
        init => field = value is null or (>= 1 and <= MaxBeamWidth) ? value : throw new ArgumentOutOfRangeException(nameof(BeamWidth), value, $"BeamWidth must be 1..{MaxBeamWidth}.");
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
        init => field = value is null or (>= 1 and <= MaxBestOf) ? value : throw new ArgumentOutOfRangeException(nameof(BestOf), value, $"BestOf must be 1..{MaxBestOf}.");
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
        init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(TempoBpm), value, "TempoBpm must be 1..1000.");
    } = 120;

    /// <summary>Seeds every random choice: the same request and model give the same melodies.</summary>
    public int Seed { get; init; }

    /// <summary>The length of the requested melody.</summary>
    public Duration Length => Duration.FromQuarters(Meter.BarLength.Quarters * Bars);

    /// <summary>Checks the fields against each other.</summary>
    /// <exception cref="ArgumentException">
    /// The range is inverted, the primer is longer than the requested bars, the density bounds are inverted or more
    /// notes are asked for than a bar holds on a sixteenth grid, beam search is combined with best-of-N or a form, or more
    /// melodies are asked of a beam than it is wide.
    /// </exception>
    public void Validate()
    {
        if (Low is { } lo && High is { } hi && lo.Number > hi.Number)
            throw new ArgumentException($"The range {lo}-{hi} is inverted: the low pitch is above the high one.", nameof(Low));
        if (MinNotesPerBar is { } min && MaxNotesPerBar is { } max && min > max)
            throw new ArgumentException($"The density {min}-{max} is inverted: at least {min} but at most {max} notes per bar.", nameof(MinNotesPerBar));
        var sixteenths = (Meter.BarLength.Quarters * 4).Floor();
        if (MinNotesPerBar is { } least && least > sixteenths)
            throw new ArgumentException($"At least {least} notes per bar cannot fit: a bar of {Meter} holds {sixteenths} sixteenths.", nameof(MinNotesPerBar));
        if (BeamWidth is not null && BestOf is not null)
            throw new ArgumentException("Beam search and best-of-N cannot be combined: choose one.", nameof(BeamWidth));
        if (BeamWidth is not null && Form is not null)
            throw new ArgumentException("Beam search cannot follow a form: sample instead (drop the beam width or the form).", nameof(Form));
        if (BeamWidth is { } width && Count > width)
            throw new ArgumentException($"A beam of width {width} cannot return {Count} melodies; widen the beam to at least {Count}.", nameof(Count));
        if (!Primer.IsEmpty)
        {
            for (int i = 1; i < Primer.Length; i++)
                if (Primer[i].Start < Primer[i - 1].End) throw new ArgumentException($"Primer notes {i - 1} and {i} overlap or are out of order.", nameof(Primer));
            if (Primer[0].Start.IsNegative) throw new ArgumentException("The primer cannot start before bar 1.", nameof(Primer));
            if (Primer[^1].End > Length)
                throw new ArgumentException($"The primer lasts {Primer[^1].End.Quarters} quarters, longer than the {Bars} bars of {Meter} requested ({Length.Quarters} quarters).", nameof(Primer));
        }
    }
}
