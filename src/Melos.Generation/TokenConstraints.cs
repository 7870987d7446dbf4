using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Generation;

/// <summary>What the constraints need to know about the melody so far.</summary>
/// <param name="Step">The grid step of the token being chosen (0 = downbeat of bar 1).</param>
/// <param name="PreviousPitch">The MIDI pitch of the last note started (primer included), or null.</param>
/// <param name="Sounding">True while a note is sounding (a NOTE_OFF would end it).</param>
public readonly record struct GenerationContext(long Step, int? PreviousPitch, bool Sounding);

/// <summary>
/// The musician's constraints as a mask over the next grid token. NOTE_ON(p) is allowed when p is inside the range
/// (and the tokenizer's), in the key's scale (unless chromatic) and within the maximum leap of the previous note;
/// in the last bar, with end-on-tonic, only tonic pitches may start, and a non-tonic last note is replaced on the last
/// bar's downbeat. HOLD and NOTE_OFF keep the grammar well formed at every step, so the mask never dead-ends: when it
/// would leave nothing, HOLD and NOTE_OFF are allowed (the fallback). PAD, BOS and EOS are never allowed: the caller
/// stops after exactly <see cref="TotalSteps"/> tokens.
/// </summary>
public sealed class TokenConstraints
{
    private readonly GridTokenizer _tokenizer;
    private readonly bool[] _pitchAllowed = new bool[128];
    private readonly int _tonicClass;
    private readonly bool _endOnTonic;
    private readonly int? _maxLeap;

    /// <summary>Builds the mask of a request for a tokenizer.</summary>
    /// <exception cref="ArgumentException">A bar of the request's meter is not a whole number of grid steps.</exception>
    public TokenConstraints(GenerationRequest request, GridTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        var barSteps = request.Meter.BarLength.Quarters * spq;
        if (barSteps.Denominator != 1)
            throw new ArgumentException($"A bar of {request.Meter} is not a whole number of the model's grid steps ({spq} per quarter).", nameof(request));
        BarSteps = barSteps.Numerator;
        TotalSteps = BarSteps * request.Bars;
        int low = Math.Max(request.Low?.Number ?? 0, tokenizer.GridConfig.MinPitch);
        int high = Math.Min(request.High?.Number ?? 127, tokenizer.GridConfig.MaxPitch);
        for (int p = low; p <= high; p++)
            _pitchAllowed[p] = request.Chromatic || request.Key.Scale.Contains(p);
        _tonicClass = request.Key.Tonic.PitchClass;
        _endOnTonic = request.EndOnTonic;
        _maxLeap = request.MaxLeap;
    }

    /// <summary>Grid steps per bar.</summary>
    public long BarSteps { get; }

    /// <summary>Grid steps of the whole melody: the number of tokens after BOS.</summary>
    public long TotalSteps { get; }

    /// <summary>The first step of the last bar.</summary>
    public long FinalBarStart => TotalSteps - BarSteps;

    /// <summary>True when <paramref name="midi"/> passes the static constraints (range, tokenizer range, scale).</summary>
    public bool PitchAllowed(int midi) => midi is >= 0 and <= 127 && _pitchAllowed[midi];

    /// <summary>True when <paramref name="midi"/> has the key's tonic pitch class.</summary>
    public bool IsTonic(int midi) => ((midi % 12) + 12) % 12 == _tonicClass;

    /// <summary>
    /// The allowed tokens at <paramref name="context"/>. <paramref name="mustEndNote"/> forbids HOLD (a primer's last
    /// note must end where the primer ends); <paramref name="fallback"/> is true when no pitch could start.
    /// </summary>
    public bool[] Allowed(GenerationContext context, bool mustEndNote, out bool fallback)
    {
        var allowed = new bool[_tokenizer.VocabularySize];
        var pitches = new List<int>();
        var tonics = new List<int>();
        for (int p = _tokenizer.GridConfig.MinPitch; p <= _tokenizer.GridConfig.MaxPitch; p++)
        {
            if (!_pitchAllowed[p]) continue;
            if (_maxLeap is { } leap && context.PreviousPitch is { } prev && Math.Abs(p - prev) > leap) continue;
            pitches.Add(p);
            if (IsTonic(p)) tonics.Add(p);
        }
        bool forceNote = false;
        if (_endOnTonic && context.Step >= FinalBarStart)
        {
            bool lastIsTonic = context.PreviousPitch is { } prev && IsTonic(prev);
            if (lastIsTonic || tonics.Count > 0) pitches = tonics;
            // The last bar's first free step replaces a non-tonic last note by a tonic one.
            forceNote = !lastIsTonic && tonics.Count > 0;
        }
        foreach (var p in pitches) allowed[_tokenizer.NoteOn(p)] = true;
        fallback = pitches.Count == 0;
        if (!forceNote)
        {
            allowed[GridTokenizer.HoldId] = !mustEndNote;
            allowed[GridTokenizer.NoteOffId] = context.Sounding;
        }
        if (!allowed.Contains(true))
        {
            fallback = true;
            allowed[GridTokenizer.HoldId] = true;
            allowed[GridTokenizer.NoteOffId] = true;
        }
        return allowed;
    }
}
