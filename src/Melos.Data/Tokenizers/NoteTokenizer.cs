using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>
/// REMI-like note tokens: for every bar <c>BAR</c>, then <c>METER(m)</c> where a meter starts or changes, then for each
/// note starting in the bar <c>POSITION(k)</c> (grid step inside the bar), <c>PITCH(p)</c> and one or more
/// <c>DURATION(d)</c> whose steps add up to the note's length. Rests are the gaps between notes.
/// Ids: PAD 0, BOS 1, EOS 2, BAR 3, then the METER, POSITION, PITCH and DURATION blocks in that order, then (when the
/// configuration asks for them) the LENGTH, numbered BAR and COPY blocks.
/// </summary>
/// <remarks>
/// Whole-tune options (<see cref="NoteTokenizerConfig.WholeTune"/>): with <see cref="NoteTokenizerConfig.ImplicitPositions"/>
/// a note that starts where the previous one ended needs no POSITION; with <see cref="NoteTokenizerConfig.MaxBars"/> the
/// tune opens with <c>LENGTH(n)</c> and each bar line is <c>BAR(i)</c> (i counted from the start, or with
/// <see cref="NoteTokenizerConfig.NumberBarsFromEnd"/> the bars left to the end); with <see cref="NoteTokenizerConfig.MaxCopyDistance"/>
/// a bar that repeats the bar k back is written <c>BAR(i) COPY(k)</c>. <see cref="TokenizedMelody.Times"/> holds, for every
/// token, the time up to which the tokens before it have written the melody (the cursor the token is chosen at): the
/// bar line for a bar's first token, the previous note's end for the next note, so that conditioning never tells the
/// model what it is about to write.
/// </remarks>
public sealed class NoteTokenizer : ITokenizer
{
    /// <summary>The padding id.</summary>
    public const int PadId = 0;
    /// <summary>The begin-of-sequence id.</summary>
    public const int BosId = 1;
    /// <summary>The end-of-sequence id.</summary>
    public const int EosId = 2;
    /// <summary>The id of BAR (unnumbered bar line, used when <see cref="NoteTokenizerConfig.MaxBars"/> is zero).</summary>
    public const int BarId = 3;

    private readonly int _meterBase, _positionBase, _pitchBase, _durationBase, _lengthBase, _barBase, _copyBase;
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
        _lengthBase = _durationBase + NoteConfig.DurationSteps.Length;
        _barBase = _lengthBase + NoteConfig.MaxBars;
        _copyBase = _barBase + NoteConfig.MaxBars;
        VocabularySize = _copyBase + NoteConfig.MaxCopyDistance;
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

    /// <summary>True when bar lines are numbered and the tune opens with its length (<see cref="NoteTokenizerConfig.MaxBars"/> above zero).</summary>
    public bool NumbersBars => NoteConfig.MaxBars > 0;

    /// <summary>The METER id of the configured meter at <paramref name="index"/>.</summary>
    public int Meter(int index) => _meterBase + index;

    /// <summary>The configured meters, in id order.</summary>
    public IReadOnlyList<TimeSignature> Meters => _meters;

    /// <summary>The POSITION id of grid step <paramref name="step"/> inside a bar.</summary>
    public int Position(int step) => _positionBase + step;

    /// <summary>The PITCH id of MIDI pitch <paramref name="midi"/>.</summary>
    public int PitchToken(int midi) => _pitchBase + midi - NoteConfig.MinPitch;

    /// <summary>The DURATION id of the configured duration at <paramref name="index"/> of <see cref="NoteTokenizerConfig.DurationSteps"/>.</summary>
    public int DurationToken(int index) => _durationBase + index;

    /// <summary>The LENGTH id of a tune of <paramref name="bars"/> bars (1..<see cref="NoteTokenizerConfig.MaxBars"/>).</summary>
    public int LengthToken(int bars) =>
        bars >= 1 && bars <= NoteConfig.MaxBars ? _lengthBase + bars - 1 : throw new ArgumentOutOfRangeException(nameof(bars), bars, $"Bars outside 1..{NoteConfig.MaxBars}.");

    /// <summary>
    /// The bar-line id of bar <paramref name="index"/> (0-based) of a tune of <paramref name="bars"/> bars: <c>BAR(index)</c>
    /// when bars are numbered, <c>BAR(bars - 1 - index)</c> when they are numbered from the end
    /// (<see cref="NoteTokenizerConfig.NumberBarsFromEnd"/>), else <see cref="BarId"/>.
    /// </summary>
    public int BarToken(int index, int bars)
    {
        if (!NumbersBars) return BarId;
        if (index < 0 || index >= NoteConfig.MaxBars)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Bar index outside 0..{NoteConfig.MaxBars - 1}.");
        if (!NoteConfig.NumberBarsFromEnd) return _barBase + index;
        if (bars < 1 || bars > NoteConfig.MaxBars || index >= bars)
            throw new ArgumentOutOfRangeException(nameof(bars), bars, $"Bar {index} of a tune of {bars} bars (at most {NoteConfig.MaxBars}).");
        return _barBase + bars - 1 - index;
    }

    /// <summary>The COPY id of a bar that repeats the bar <paramref name="distance"/> bars back.</summary>
    public int CopyToken(int distance) =>
        distance >= 1 && distance <= NoteConfig.MaxCopyDistance ? _copyBase + distance - 1
        : throw new ArgumentOutOfRangeException(nameof(distance), distance, $"Copy distance outside 1..{NoteConfig.MaxCopyDistance}.");

    /// <summary>What kind of token <paramref name="id"/> is.</summary>
    public NoteTokenKind KindOf(int id) => id switch
    {
        PadId => NoteTokenKind.Pad,
        BosId => NoteTokenKind.Bos,
        EosId => NoteTokenKind.Eos,
        BarId => NoteTokenKind.Bar,
        _ when id < _meterBase || id >= VocabularySize => throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{VocabularySize - 1}."),
        _ when id < _positionBase => NoteTokenKind.Meter,
        _ when id < _pitchBase => NoteTokenKind.Position,
        _ when id < _durationBase => NoteTokenKind.Pitch,
        _ when id < _lengthBase => NoteTokenKind.Duration,
        _ when id < _barBase => NoteTokenKind.Length,
        _ when id < _copyBase => NoteTokenKind.Bar,
        _ => NoteTokenKind.Copy,
    };

    /// <summary>
    /// The number a token carries: the meter index of METER, the step of POSITION, the MIDI pitch of PITCH, the steps of
    /// DURATION, the bars of LENGTH, the number of a numbered BAR (the bar's index, or the bars left after it when bars are
    /// numbered from the end; -1 for plain BAR), the distance of COPY; 0 otherwise.
    /// </summary>
    public int ValueOf(int id) => KindOf(id) switch
    {
        NoteTokenKind.Meter => id - _meterBase,
        NoteTokenKind.Position => id - _positionBase,
        NoteTokenKind.Pitch => id - _pitchBase + NoteConfig.MinPitch,
        NoteTokenKind.Duration => NoteConfig.DurationSteps[id - _durationBase],
        NoteTokenKind.Length => id - _lengthBase + 1,
        NoteTokenKind.Bar => id == BarId ? -1 : id - _barBase,
        NoteTokenKind.Copy => id - _copyBase + 1,
        _ => 0,
    };

    /// <inheritdoc/>
    public int? PitchOf(int id) => id >= 0 && id < VocabularySize && KindOf(id) == NoteTokenKind.Pitch ? ValueOf(id) : null;

    /// <inheritdoc/>
    public IReadOnlyList<int> NoteTokenIndices(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var walker = new Walker(this);
        foreach (int id in tokens)
        {
            if (id == EosId) break;
            walker.Feed(id);
        }
        walker.Finish();
        return walker.NoteSources;
    }

    /// <inheritdoc/>
    /// <remarks>An event is a note (its POSITION, PITCH and DURATIONs) or a bar line (its BAR, METER and COPY); LENGTH and EOS are events of their own.</remarks>
    public bool StartsEvent(int previous, int token) => KindOf(token) switch
    {
        NoteTokenKind.Meter or NoteTokenKind.Copy or NoteTokenKind.Duration => false,
        NoteTokenKind.Pitch => previous < 0 || previous >= VocabularySize || KindOf(previous) != NoteTokenKind.Position,
        _ => true,
    };

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
        var cursor = Duration.Zero;
        void Add(int id) { tokens.Add(id); times.Add(cursor); }

        // Meter changes must fall on bar lines: the bar before a change must be complete.
        for (int i = 1; i < melody.Meters.Length; i++)
        {
            var (previousAt, previousMeter) = (melody.Meters[i - 1].At, melody.Meters[i - 1].Meter);
            if ((melody.Meters[i].At - previousAt) / previousMeter.BarLength is { Denominator: not 1 })
            {
                error = new TokenizationException(null, $"the meter change to {melody.Meters[i].Meter} at {melody.Meters[i].At} quarters does not fall on a bar line of {previousMeter}", TokenizationFailure.Meter);
                return false;
            }
        }
        int bars = Math.Max(melody.BarCount, melody.Notes.IsEmpty ? 0 : melody.BarOf(melody.Notes[^1].Start).Bar + 1);
        if (NumbersBars && bars > NoteConfig.MaxBars)
        {
            error = new TokenizationException(null, $"the tune has {bars} bars; the tokenizer numbers at most {NoteConfig.MaxBars}", TokenizationFailure.TooLong);
            return false;
        }
        // Notes by bar of onset, for the bar copies.
        var barNotes = new List<(int First, int Count)>(bars);
        {
            int index = 0;
            for (int bar = 0; bar < bars; bar++)
            {
                int first = index;
                while (index < melody.Notes.Length && melody.BarOf(melody.Notes[index].Start).Bar == bar) index++;
                barNotes.Add((first, index - first));
            }
        }
        Add(BosId);
        if (NumbersBars) Add(LengthToken(Math.Max(bars, 1)));
        TimeSignature? previous = null;
        int lastCopy = 0;
        for (int bar = 0; bar < bars; bar++)
        {
            var start = melody.BarStart(bar);
            var meter = melody.MeterAt(start);
            Add(BarToken(bar, bars));
            if (cursor < start) cursor = start;
            if (meter != previous)
            {
                int m = Array.IndexOf(_meters, meter);
                if (m < 0)
                {
                    error = new TokenizationException(null, $"the meter {meter} in bar {bar + 1} is not in the tokenizer's meters ({string.Join(", ", NoteConfig.Meters)})", TokenizationFailure.Meter);
                    return false;
                }
                var barSteps = Grid.Steps(meter.BarLength, spq);
                if (barSteps is null || barSteps > NoteConfig.MaxBarSteps)
                {
                    error = new TokenizationException(null, $"a bar of {meter} is not a whole number of grid steps at most {NoteConfig.MaxBarSteps} ({spq} steps per quarter)", TokenizationFailure.Meter);
                    return false;
                }
                Add(Meter(m));
                previous = meter;
            }
            var (firstNote, count) = barNotes[bar];
            int copy = CopyDistance(melody, barNotes, bar, lastCopy);
            lastCopy = copy;
            if (copy > 0)
            {
                Add(CopyToken(copy));
                var last = melody.Notes[firstNote + count - 1];
                if (last.End > cursor) cursor = last.End;
                continue;
            }
            for (int noteIndex = firstNote; noteIndex < firstNote + count; noteIndex++)
            {
                var note = melody.Notes[noteIndex];
                if (note.Pitch.Number < NoteConfig.MinPitch || note.Pitch.Number > NoteConfig.MaxPitch)
                {
                    error = new TokenizationException(note, $"pitch {note.Pitch.Number} is outside the tokenizer's range {NoteConfig.MinPitch}..{NoteConfig.MaxPitch}", TokenizationFailure.PitchRange);
                    return false;
                }
                var position = Grid.Steps(note.Start - start, spq);
                if (position is null)
                {
                    error = new TokenizationException(note, $"its onset {note.Start} quarters is not on the grid of {spq} steps per quarter", TokenizationFailure.OffGrid);
                    return false;
                }
                var length = Grid.Steps(note.Length, spq);
                if (length is null)
                {
                    error = new TokenizationException(note, $"its length {note.Length} quarters is not a whole number of grid steps ({spq} per quarter)", TokenizationFailure.OffGrid);
                    return false;
                }
                if (!NoteConfig.ImplicitPositions || note.Start != cursor)
                {
                    Add(Position((int)position.Value));
                    cursor = note.Start;
                }
                Add(PitchToken(note.Pitch.Number));
                long remaining = length.Value;
                while (remaining > 0)
                {
                    int i = Array.FindIndex(_durationsDescending, d => d <= remaining);
                    if (i < 0)
                    {
                        error = new TokenizationException(note, $"its length {note.Length} quarters ({length} steps) cannot be written with the duration vocabulary (left over: {remaining} steps)", TokenizationFailure.Duration);
                        return false;
                    }
                    Add(DurationToken(NoteConfig.DurationSteps.IndexOf(_durationsDescending[i])));
                    remaining -= _durationsDescending[i];
                    cursor += Grid.At(_durationsDescending[i], spq);
                }
            }
        }
        if (cursor < melody.Length) cursor = melody.Length;
        Add(EosId);
        result = new TokenizedMelody(tokens.ToImmutable(), times.ToImmutable());
        return true;
    }

    /// <summary>
    /// The distance k of an earlier bar whose notes <paramref name="bar"/> repeats exactly (same meter, onsets relative to
    /// the bar line, pitches and lengths), or 0. The distance of the previous bar's copy is kept while it fits, so a
    /// repeated section reads as one run of equal copies; otherwise 8, 4, 16, 2, 1, then the others in order.
    /// </summary>
    private int CopyDistance(Melody melody, List<(int First, int Count)> barNotes, int bar, int lastCopy)
    {
        int most = Math.Min(NoteConfig.MaxCopyDistance, bar);
        if (most < 1 || barNotes[bar].Count == 0) return 0;
        if (lastCopy >= 1 && lastCopy <= most && SameBar(melody, barNotes, bar, bar - lastCopy)) return lastCopy;
        foreach (int k in PreferredDistances(most))
            if (SameBar(melody, barNotes, bar, bar - k)) return k;
        return 0;
    }

    private static IEnumerable<int> PreferredDistances(int most)
    {
        int[] first = [8, 4, 16, 2, 1];
        foreach (int k in first) if (k <= most) yield return k;
        for (int k = 1; k <= most; k++) if (!first.Contains(k)) yield return k;
    }

    private static bool SameBar(Melody melody, List<(int First, int Count)> barNotes, int bar, int earlier)
    {
        var (a, count) = barNotes[bar];
        var (b, earlierCount) = barNotes[earlier];
        if (count != earlierCount) return false;
        var start = melody.BarStart(bar);
        var earlierStart = melody.BarStart(earlier);
        if (melody.MeterAt(start) != melody.MeterAt(earlierStart)) return false;
        for (int i = 0; i < count; i++)
        {
            var x = melody.Notes[a + i];
            var y = melody.Notes[b + i];
            if (x.Pitch.Number != y.Pitch.Number || x.Length != y.Length || x.Start - start != y.Start - earlierStart) return false;
        }
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Any token sequence decodes to a valid line: a note that starts before the previous note's onset is dropped and
    /// one that starts inside the previous note shortens it (sequences made by <see cref="Encode"/> never need either).
    /// <c>COPY(k)</c> writes again the notes that start in the bar k bars back; a copy of a bar that does not exist is ignored.
    /// </remarks>
    public IReadOnlyList<Note> Decode(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var walker = new Walker(this);
        foreach (int id in tokens)
        {
            if (id < 0 || id >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token id outside 0..{VocabularySize - 1}.");
            if (id == EosId) break;
            walker.Feed(id);
        }
        return walker.Finish();
    }

    /// <summary>
    /// Reads note tokens one at a time, as <see cref="Decode"/> does, and knows at every point the bar, the cursor (the
    /// time written so far) and the notes. Generation uses it to follow the melody it writes.
    /// </summary>
    public sealed class Walker
    {
        private readonly NoteTokenizer _t;
        private readonly List<Note> _notes = [];
        private readonly List<int> _sources = [];
        private readonly List<int> _barFirstNote = [];
        private int _fed;
        private int _pendingSource;
        private readonly List<Duration> _barStarts = [];
        private (int Pitch, Duration Start, long Steps)? _pending;
        private bool _positioned;

        /// <summary>Starts before BOS.</summary>
        public Walker(NoteTokenizer tokenizer)
        {
            _t = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        }

        /// <summary>The meter of the current bar (4/4 until a METER token).</summary>
        public TimeSignature Meter { get; private set; } = TimeSignature.CommonTime;

        /// <summary>The 0-based index of the current bar (-1 before the first bar line).</summary>
        public int Bar { get; private set; } = -1;

        /// <summary>Where the current bar starts.</summary>
        public Duration BarStart { get; private set; }

        /// <summary>The time written so far: where an unpositioned note would start.</summary>
        public Duration Cursor { get; private set; }

        /// <summary>The tune's length in bars from LENGTH, or null.</summary>
        public int? Length { get; private set; }

        /// <summary>The pitch of the note whose DURATION tokens are being read, or null.</summary>
        public int? PendingPitch => _pending?.Pitch;

        /// <summary>The steps given so far to the pending note.</summary>
        public long PendingSteps => _pending?.Steps ?? 0;

        /// <summary>True right after a POSITION (a PITCH must follow).</summary>
        public bool Positioned => _positioned;

        /// <summary>The last pitch written (pending note included), or null.</summary>
        public int? LastPitch => _pending?.Pitch ?? (_notes.Count > 0 ? _notes[^1].Pitch.Number : null);

        /// <summary>For each complete note, the index (among the tokens fed) of the PITCH or COPY token that wrote it.</summary>
        public IReadOnlyList<int> NoteSources => _sources;

        /// <summary>The notes complete so far (the pending one excluded).</summary>
        public IReadOnlyList<Note> Notes => _notes;

        /// <summary>The number of notes starting in the current bar (the pending one included).</summary>
        public int NotesInBar => Bar < 0 ? 0 : _notes.Count - _barFirstNote[Bar] + (_pending is null ? 0 : 1);

        /// <summary>The notes that start in bar <paramref name="bar"/> (complete bars only).</summary>
        public IEnumerable<Note> NotesOfBar(int bar)
        {
            if (bar < 0 || bar >= _barFirstNote.Count) yield break;
            int end = bar + 1 < _barFirstNote.Count ? _barFirstNote[bar + 1] : _notes.Count;
            for (int i = _barFirstNote[bar]; i < end; i++) yield return _notes[i];
        }

        /// <summary>Where bar <paramref name="bar"/> started.</summary>
        public Duration StartOfBar(int bar) => _barStarts[bar];

        /// <summary>Reads one token (EOS and PAD are ignored; stop feeding at EOS).</summary>
        public void Feed(int id)
        {
            int index = _fed++;
            int spq = _t.NoteConfig.StepsPerQuarter;
            switch (_t.KindOf(id))
            {
                case NoteTokenKind.Pad or NoteTokenKind.Bos or NoteTokenKind.Eos:
                    break;
                case NoteTokenKind.Length:
                    Length = _t.ValueOf(id);
                    break;
                case NoteTokenKind.Bar:
                    Flush();
                    BarStart = Bar < 0 ? Duration.Zero : BarStart + Meter.BarLength;
                    Bar++;
                    _barFirstNote.Add(_notes.Count);
                    _barStarts.Add(BarStart);
                    if (Cursor < BarStart) Cursor = BarStart;
                    _positioned = false;
                    break;
                case NoteTokenKind.Meter:
                    Meter = _t._meters[_t.ValueOf(id)];
                    break;
                case NoteTokenKind.Copy:
                    Flush();
                    int source = Bar - _t.ValueOf(id);
                    if (source >= 0 && Bar >= 0)
                    {
                        var shift = BarStart - _barStarts[source];
                        foreach (var n in NotesOfBar(source).ToList()) Add(new Note(n.Pitch, n.Start + shift, n.Length), index);
                        if (_notes.Count > 0 && _notes[^1].End > Cursor) Cursor = _notes[^1].End;
                    }
                    break;
                case NoteTokenKind.Position:
                    Flush();
                    Cursor = (Bar < 0 ? Duration.Zero : BarStart) + Grid.At(_t.ValueOf(id), spq);
                    _positioned = true;
                    break;
                case NoteTokenKind.Pitch:
                    Flush();
                    _pending = (_t.ValueOf(id), Cursor, 0);
                    _pendingSource = index;
                    _positioned = false;
                    break;
                case NoteTokenKind.Duration:
                    if (_pending is { } p)
                    {
                        int steps = _t.ValueOf(id);
                        _pending = p with { Steps = p.Steps + steps };
                        Cursor += Grid.At(steps, spq);
                    }
                    break;
            }
        }

        /// <summary>The notes, once the last pending note is closed.</summary>
        public IReadOnlyList<Note> Finish()
        {
            Flush();
            return _notes;
        }

        private void Flush()
        {
            if (_pending is { Steps: > 0 } p)
                Add(new Note(Pitch.FromMidi(p.Pitch), p.Start, Grid.At(p.Steps, _t.NoteConfig.StepsPerQuarter)), _pendingSource);
            _pending = null;
        }

        private void Add(Note note, int source)
        {
            // A generated sequence may go back in time or overlap: a note starting before the previous one's onset is
            // dropped, and one starting inside the previous note cuts it short, so the result is always one line.
            if (_notes.Count > 0 && note.Start <= _notes[^1].Start) return;
            if (_notes.Count > 0 && note.Start < _notes[^1].End) _notes[^1] = _notes[^1] with { Length = note.Start - _notes[^1].Start };
            _notes.Add(note);
            _sources.Add(source);
        }
    }

    /// <inheritdoc/>
    public string TokenName(int id)
    {
        var kind = KindOf(id);
        return kind switch
        {
            NoteTokenKind.Pad => "PAD",
            NoteTokenKind.Bos => "BOS",
            NoteTokenKind.Eos => "EOS",
            NoteTokenKind.Bar when id == BarId => "BAR",
            NoteTokenKind.Meter => $"METER({NoteConfig.Meters[ValueOf(id)]})",
            _ => string.Create(CultureInfo.InvariantCulture, $"{kind.ToString().ToUpperInvariant()}({ValueOf(id)})"),
        };
    }
}

/// <summary>The kinds of <see cref="NoteTokenizer"/> tokens.</summary>
public enum NoteTokenKind
{
    /// <summary>Padding.</summary>
    Pad,
    /// <summary>Begin of sequence.</summary>
    Bos,
    /// <summary>End of sequence.</summary>
    Eos,
    /// <summary>A bar line (plain or numbered).</summary>
    Bar,
    /// <summary>The meter from this bar on.</summary>
    Meter,
    /// <summary>A note's onset inside the bar.</summary>
    Position,
    /// <summary>A note's pitch.</summary>
    Pitch,
    /// <summary>A part of a note's length.</summary>
    Duration,
    /// <summary>The tune's length in bars.</summary>
    Length,
    /// <summary>This bar repeats an earlier bar.</summary>
    Copy,
}
