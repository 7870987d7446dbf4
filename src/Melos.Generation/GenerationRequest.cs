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
        init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Temperature), value, "Temperature must be a finite number above 0.");
    } = 1.0;

    /// <summary>Keep only the K most likely allowed tokens (at least 1), or null for all.</summary>
    public int? TopK
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(TopK), value, "TopK must be at least 1.");
    }

    /// <summary>Nucleus sampling: keep the most likely allowed tokens whose probabilities add up to P (0 &lt; P ≤ 1), or null.</summary>
    public double? TopP
    {
        get;
        init => field = value is null || (value > 0 && value <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(TopP), value, "TopP must be in (0, 1].");
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
        init => field = value is null or (>= 0 and <= 127) ? value : throw new ArgumentOutOfRangeException(nameof(MaxLeap), value, "MaxLeap must be 0..127 semitones.");
    }

    /// <summary>End on the tonic: the last note's pitch class is the key's tonic whenever the other constraints allow one.</summary>
    public bool EndOnTonic { get; init; }

    /// <summary>Allow pitches outside the key's scale.</summary>
    public bool Chromatic { get; init; }

    /// <summary>One chord per bar, repeated from the start when shorter than <see cref="Bars"/>; empty for no chords.</summary>
    public ImmutableArray<ChordSymbol> Chords
    {
        get;
        init => field = value.IsDefault ? [] : value;
    } = [];

    /// <summary>A style label the model knows (see the checkpoint's conditioning vocabulary), or null.</summary>
    public string? Style { get; init; }

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
    /// <exception cref="ArgumentException">The range is inverted, or the primer is longer than the requested bars.</exception>
    public void Validate()
    {
        if (Low is { } lo && High is { } hi && lo.Number > hi.Number)
            throw new ArgumentException($"The range {lo}-{hi} is inverted: the low pitch is above the high one.", nameof(Low));
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
