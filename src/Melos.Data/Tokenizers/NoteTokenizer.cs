using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>
/// REMI-like note tokens: for every bar <c>BAR</c>, then <c>METER(m)</c> where a meter starts or changes, then for each
/// note starting in the bar <c>POSITION(k)</c> (grid step inside the bar), <c>PITCH(p)</c> and one or more
/// <c>DURATION(d)</c> whose steps add up to the note's length. Rests are the gaps between notes.
/// Ids: PAD 0, BOS 1, EOS 2, BAR 3, then the METER, POSITION, PITCH and DURATION blocks in that order.
/// </summary>
public sealed class NoteTokenizer : ITokenizer
{
    /// <summary>The padding id.</summary>
    public const int PadId = 0;
    /// <summary>The begin-of-sequence id.</summary>
    public const int BosId = 1;
    /// <summary>The end-of-sequence id.</summary>
    public const int EosId = 2;
    /// <summary>The id of BAR.</summary>
    public const int BarId = 3;

    private readonly int _meterBase, _positionBase, _pitchBase, _durationBase;
    private readonly TimeSignature[] _meters;
    private readonly int[] _durationsDescending;

    /// <summary>Creates a tokenizer.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public NoteTokenizer(NoteTokenizerConfig? config = null)
    {
        NoteConfig = config ?? new NoteTokenizerConfig();
        NoteConfig.Validate();
        _meters = [.. NoteConfig.Meters.Select(TimeSignature.Parse)];
        _meterBase = BarId + 1;
        _positionBase = _meterBase + _meters.Length;
        _pitchBase = _positionBase + NoteConfig.MaxBarSteps;
        _durationBase = _pitchBase + NoteConfig.MaxPitch - NoteConfig.MinPitch + 1;
        VocabularySize = _durationBase + NoteConfig.DurationSteps.Length;
        _durationsDescending = [.. NoteConfig.DurationSteps.OrderDescending()];
    }

    /// <summary>The configuration.</summary>
    public NoteTokenizerConfig NoteConfig { get; }

    /// <inheritdoc/>
    public TokenizerConfig Config => NoteConfig;

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <inheritdoc/>
    public int Pad => PadId;

    /// <inheritdoc/>
    public int Bos => BosId;

    /// <inheritdoc/>
    public int Eos => EosId;

    /// <summary>The METER id of the configured meter at <paramref name="index"/>.</summary>
    public int Meter(int index) => _meterBase + index;

    /// <summary>The POSITION id of grid step <paramref name="step"/> inside a bar.</summary>
    public int Position(int step) => _positionBase + step;

    /// <summary>The PITCH id of MIDI pitch <paramref name="midi"/>.</summary>
    public int PitchToken(int midi) => _pitchBase + midi - NoteConfig.MinPitch;

    /// <summary>The DURATION id of the configured duration at <paramref name="index"/> of <see cref="NoteTokenizerConfig.DurationSteps"/>.</summary>
    public int DurationToken(int index) => _durationBase + index;

    /// <inheritdoc/>
    public TokenizedMelody Encode(Melody melody) =>
        TryEncode(melody, out var result, out var error) ? result! : throw error!;

    /// <inheritdoc/>
    public bool TryEncode(Melody melody, out TokenizedMelody? result, out TokenizationException? error)
    {
        ArgumentNullException.ThrowIfNull(melody);
        result = null;
        error = null;
        int spq = NoteConfig.StepsPerQuarter;
        var tokens = ImmutableArray.CreateBuilder<int>();
        var times = ImmutableArray.CreateBuilder<Duration>();
        void Add(int id, Duration at)
        {
            tokens.Add(id);
            times.Add(at);
        }

        // Meter changes must fall on bar lines: the bar before a change must be complete.
        for (int i = 1; i < melody.Meters.Length; i++)
        {
            var (previousAt, previousMeter) = (melody.Meters[i - 1].At, melody.Meters[i - 1].Meter);
            if ((melody.Meters[i].At - previousAt) / previousMeter.BarLength is { Denominator: not 1 })
            {
                error = new TokenizationException(null, $"the meter change to {melody.Meters[i].Meter} at {melody.Meters[i].At} quarters does not fall on a bar line of {previousMeter}");
                return false;
            }
        }
        int bars = Math.Max(melody.BarCount, melody.Notes.IsEmpty ? 0 : melody.BarOf(melody.Notes[^1].Start).Bar + 1);
        Add(BosId, Duration.Zero);
        int noteIndex = 0;
        TimeSignature? previous = null;
        for (int bar = 0; bar < bars; bar++)
        {
            var start = melody.BarStart(bar);
            var meter = melody.MeterAt(start);
            Add(BarId, start);
            if (meter != previous)
            {
                int m = Array.IndexOf(_meters, meter);
                if (m < 0)
                {
                    error = new TokenizationException(null, $"the meter {meter} in bar {bar + 1} is not in the tokenizer's meters ({string.Join(", ", NoteConfig.Meters)})");
                    return false;
                }
                var barSteps = Grid.Steps(meter.BarLength, spq);
                if (barSteps is null || barSteps > NoteConfig.MaxBarSteps)
                {
                    error = new TokenizationException(null, $"a bar of {meter} is not a whole number of grid steps at most {NoteConfig.MaxBarSteps} ({spq} steps per quarter)");
                    return false;
                }
                Add(Meter(m), start);
                previous = meter;
            }
            for (; noteIndex < melody.Notes.Length && melody.BarOf(melody.Notes[noteIndex].Start).Bar == bar; noteIndex++)
            {
                var note = melody.Notes[noteIndex];
                if (note.Pitch.Number < NoteConfig.MinPitch || note.Pitch.Number > NoteConfig.MaxPitch)
                {
                    error = new TokenizationException(note, $"pitch {note.Pitch.Number} is outside the tokenizer's range {NoteConfig.MinPitch}..{NoteConfig.MaxPitch}");
                    return false;
                }
                var position = Grid.Steps(note.Start - start, spq);
                if (position is null)
                {
                    error = new TokenizationException(note, $"its onset {note.Start} quarters is not on the grid of {spq} steps per quarter");
                    return false;
                }
                var length = Grid.Steps(note.Length, spq);
                if (length is null)
                {
                    error = new TokenizationException(note, $"its length {note.Length} quarters is not a whole number of grid steps ({spq} per quarter)");
                    return false;
                }
                Add(Position((int)position.Value), note.Start);
                Add(PitchToken(note.Pitch.Number), note.Start);
                long remaining = length.Value;
                while (remaining > 0)
                {
                    int i = Array.FindIndex(_durationsDescending, d => d <= remaining);
                    if (i < 0)
                    {
                        error = new TokenizationException(note, $"its length {note.Length} quarters ({length} steps) cannot be written with the duration vocabulary (left over: {remaining} steps)");
                        return false;
                    }
                    Add(DurationToken(NoteConfig.DurationSteps.IndexOf(_durationsDescending[i])), note.Start);
                    remaining -= _durationsDescending[i];
                }
            }
        }
        Add(EosId, melody.Length);
        result = new TokenizedMelody(tokens.ToImmutable(), times.ToImmutable());
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Any token sequence decodes to a valid line: a note that starts before the previous note's onset is dropped and
    /// one that starts inside the previous note shortens it (sequences made by <see cref="Encode"/> never need either).
    /// </remarks>
    public IReadOnlyList<Note> Decode(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int spq = NoteConfig.StepsPerQuarter;
        var notes = new List<Note>();
        var barStart = Duration.Zero;
        var barLength = Duration.Zero;
        var meter = TimeSignature.CommonTime;
        bool started = false;
        var position = Duration.Zero;
        (int Pitch, Duration Start, long Steps)? pending = null;
        void Flush()
        {
            // A generated sequence may go back in time or overlap: a note starting before the previous one's onset is
            // dropped, and one starting inside the previous note cuts it short, so the result is always one line.
            if (pending is { Steps: > 0 } p && (notes.Count == 0 || p.Start > notes[^1].Start))
            {
                if (notes.Count > 0 && p.Start < notes[^1].End) notes[^1] = notes[^1] with { Length = p.Start - notes[^1].Start };
                notes.Add(new Note(Pitch.FromMidi(p.Pitch), p.Start, Grid.At(p.Steps, spq)));
            }
            pending = null;
        }
        foreach (int id in tokens)
        {
            if (id < 0 || id >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token id outside 0..{VocabularySize - 1}.");
            if (id == EosId) break;
            if (id is PadId or BosId) continue;
            if (id == BarId)
            {
                Flush();
                if (started) barStart += barLength;
                started = true;
                barLength = meter.BarLength;
                position = barStart;
            }
            else if (id < _positionBase)
            {
                meter = _meters[id - _meterBase];
                barLength = meter.BarLength;
            }
            else if (id < _pitchBase)
            {
                Flush();
                position = barStart + Grid.At(id - _positionBase, spq);
            }
            else if (id < _durationBase)
            {
                Flush();
                pending = (id - _pitchBase + NoteConfig.MinPitch, position, 0);
            }
            else if (pending is { } p)
            {
                pending = p with { Steps = p.Steps + NoteConfig.DurationSteps[id - _durationBase] };
            }
        }
        Flush();
        return notes;
    }

    /// <inheritdoc/>
    public string TokenName(int id)
    {
        if (id < 0 || id >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{VocabularySize - 1}.");
        return id switch
        {
            PadId => "PAD",
            BosId => "BOS",
            EosId => "EOS",
            BarId => "BAR",
            _ when id < _positionBase => $"METER({NoteConfig.Meters[id - _meterBase]})",
            _ when id < _pitchBase => string.Create(CultureInfo.InvariantCulture, $"POSITION({id - _positionBase})"),
            _ when id < _durationBase => string.Create(CultureInfo.InvariantCulture, $"PITCH({id - _pitchBase + NoteConfig.MinPitch})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"DURATION({NoteConfig.DurationSteps[id - _durationBase]})"),
        };
    }
}
