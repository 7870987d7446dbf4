using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Formats.Midi;

/// <summary>What to do when the chosen notes overlap (a polyphonic track).</summary>
public enum PolyphonyPolicy
{
    /// <summary>Keep the top line: at each onset the highest note starting there, cut where the next kept note starts.</summary>
    Skyline,
    /// <summary>Throw <see cref="InvalidOperationException"/>.</summary>
    Throw,
}

/// <summary>How to take a melody out of a MIDI file.</summary>
public sealed record MidiMelodyReadOptions
{
    /// <summary>The defaults: the melody track found by name, else the first track with notes; skyline when polyphonic.</summary>
    public static MidiMelodyReadOptions Default { get; } = new();

    /// <summary>The names (compared ignoring case and surrounding spaces) that mark a melody track, best first.</summary>
    public static ImmutableArray<string> MelodyTrackNames { get; } = ["melody", "lead", "vocal", "vocals", "voice", "tune", "soprano", "melodie", "melodía"];

    /// <summary>Take the track with this name (ignoring case); overrides the name search.</summary>
    public string? TrackName { get; init; }

    /// <summary>Take the track with this index; overrides names.</summary>
    public int? TrackIndex { get; init; }

    /// <summary>Take only this channel's notes; null: channel 0 when the track has notes there, else its lowest channel with notes.</summary>
    public int? Channel { get; init; }

    /// <summary>What to do with overlapping notes.</summary>
    public PolyphonyPolicy Polyphony { get; init; } = PolyphonyPolicy.Skyline;

    /// <summary>Settings for reading the bytes.</summary>
    public MidiReadSettings ReadSettings { get; init; } = MidiReadSettings.Lenient;
}

/// <summary>How to write a melody as a MIDI file.</summary>
public sealed record MidiMelodyWriteOptions
{
    /// <summary>The defaults: format 1 with a conductor, a melody and a chord track.</summary>
    public static MidiMelodyWriteOptions Default { get; } = new();

    /// <summary>0 (one track) or 1 (conductor, melody and chord tracks).</summary>
    public int Format
    {
        get;
        init => field = value is 0 or 1 ? value : throw new ArgumentOutOfRangeException(nameof(Format), value, "Melodies are written as format 0 or 1.");
    } = 1;

    /// <summary>Ticks per quarter; null: the smallest multiple of 480 that puts every position on a whole tick.</summary>
    public int? TicksPerQuarter { get; init; }

    /// <summary>Write the chord symbols as block chords on their own track (format 1) or channel (format 0).</summary>
    public bool IncludeChords { get; init; } = true;

    /// <summary>The melody's channel.</summary>
    public int MelodyChannel { get; init; }

    /// <summary>The chords' channel.</summary>
    public int ChordChannel { get; init; } = 1;

    /// <summary>A General MIDI program (0-127, e.g. 73 for flute) set on the melody's channel at the start, so a synthesizer
    /// plays the melody on that instrument; null (the default) writes no program change (a synthesizer's default, piano).</summary>
    public int? MelodyProgram
    {
        get;
        init => field = value is null or (>= 0 and <= 127) ? value : throw new ArgumentOutOfRangeException(nameof(MelodyProgram), value, "A MIDI program is 0-127.");
    }

    /// <summary>The velocity of chord notes.</summary>
    public int ChordVelocity { get; init; } = 64;

    /// <summary>The melody track's name.</summary>
    public string MelodyTrackName { get; init; } = "MELODY";

    /// <summary>The chord track's name.</summary>
    public string ChordTrackName { get; init; } = "CHORDS";

    /// <summary>Settings for encoding the bytes.</summary>
    public MidiWriteSettings WriteSettings { get; init; } = MidiWriteSettings.Default;
}

/// <summary>
/// Converts between <see cref="Melody"/> and MIDI. Writing makes a conductor track (title as its name, time and key
/// signatures, tempi, and a <c>melos:key=</c> text event so modes survive), a melody track and an optional chord track
/// (a text event with each chord symbol and its block chord). Reading chooses a track by index, name or the usual melody
/// names, takes its notes (the top line when they overlap) and the file's meters, tempi, key and chord symbols;
/// <c>Read(Write(m))</c> gives back <c>m</c>'s notes, tempi, meters, key, chords, title and length exactly.
/// </summary>
public static class MidiMelody
{
    /// <summary>The prefix of the text event that records the exact key.</summary>
    public const string KeyTextPrefix = "melos:key=";

    private const int BaseTicksPerQuarter = 480;

    /// <summary>Reads a melody from a MIDI file on disk (its path becomes <see cref="MelodyInfo.Source"/>).</summary>
    public static Melody Read(string path, MidiMelodyReadOptions? options = null)
    {
        options ??= MidiMelodyReadOptions.Default;
        var melody = FromMidiFile(MidiReader.Read(path, options.ReadSettings).File, options);
        return melody.WithInfo(melody.Info with { Source = path });
    }

    /// <summary>Reads a melody from MIDI bytes.</summary>
    public static Melody Read(byte[] bytes, MidiMelodyReadOptions? options = null)
    {
        options ??= MidiMelodyReadOptions.Default;
        return FromMidiFile(MidiReader.Read(bytes, options.ReadSettings).File, options);
    }

    /// <summary>The melody as MIDI bytes.</summary>
    public static byte[] Write(Melody melody, MidiMelodyWriteOptions? options = null)
    {
        options ??= MidiMelodyWriteOptions.Default;
        return MidiWriter.Write(ToMidiFile(melody, options), options.WriteSettings);
    }

    /// <summary>The index of the track a melody is read from.</summary>
    /// <exception cref="ArgumentException">The named or numbered track does not exist.</exception>
    public static int ChooseTrack(MidiFile file, MidiMelodyReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= MidiMelodyReadOptions.Default;
        if (options.TrackIndex is { } index)
            return index >= 0 && index < file.Tracks.Length ? index : throw new ArgumentException($"No track {index}: the file has {file.Tracks.Length}.", nameof(options));
        var names = file.Tracks.Select(t => t.Name?.Trim()).ToList();
        if (options.TrackName is { } wanted)
        {
            int i = names.FindIndex(n => string.Equals(n, wanted.Trim(), StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : throw new ArgumentException($"No track named '{wanted}'; tracks: {string.Join(", ", names.Select(n => n ?? "(unnamed)"))}.", nameof(options));
        }
        foreach (var candidate in MidiMelodyReadOptions.MelodyTrackNames)
        {
            int i = names.FindIndex(n => string.Equals(n, candidate, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) return i;
        }
        foreach (var candidate in MidiMelodyReadOptions.MelodyTrackNames)
        {
            int i = names.FindIndex(n => n is not null && n.Contains(candidate, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) return i;
        }
        for (int i = 0; i < file.Tracks.Length; i++)
            if (file.Tracks[i].Events.Any(e => e.IsNoteOn)) return i;
        return 0;
    }

    /// <summary>The top line of overlapping notes: at each onset the highest note starting there (the longest on a tie), each cut where the next kept note starts.</summary>
    public static IReadOnlyList<MidiNote> Skyline(IEnumerable<MidiNote> notes)
    {
        var byStart = notes.Where(n => n.EndTick > n.StartTick)
            .GroupBy(n => n.StartTick)
            .OrderBy(g => g.Key)
            .Select(g => g.OrderByDescending(n => n.Pitch).ThenByDescending(n => n.EndTick).First())
            .ToList();
        var line = new List<MidiNote>(byStart.Count);
        for (int i = 0; i < byStart.Count; i++)
        {
            var n = byStart[i];
            if (i + 1 < byStart.Count && byStart[i + 1].StartTick < n.EndTick) n = n with { EndTick = byStart[i + 1].StartTick };
            line.Add(n);
        }
        return line;
    }

    /// <summary>Takes a melody out of a file read already.</summary>
    /// <exception cref="InvalidOperationException">The notes overlap and <see cref="MidiMelodyReadOptions.Polyphony"/> is <see cref="PolyphonyPolicy.Throw"/>.</exception>
    public static Melody FromMidiFile(MidiFile file, MidiMelodyReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= MidiMelodyReadOptions.Default;
        if (file.Tracks.IsEmpty) return Melody.Empty;
        int trackIndex = ChooseTrack(file, options);
        var track = file.Tracks[trackIndex];
        var map = file.TempoMapFor(trackIndex);
        var time = TimeConverter(file.Division);

        var all = MidiNotes.Pair(track).Notes;
        int? channel = options.Channel;
        if (channel is null && !all.IsEmpty) channel = all.Any(n => n.Channel == 0) ? 0 : all.Min(n => n.Channel);
        var chosen = all.Where(n => n.Channel == channel && n.EndTick > n.StartTick).ToList();
        bool overlapping = false;
        for (int i = 1; i < chosen.Count && !overlapping; i++) overlapping = chosen[i].StartTick < chosen[i - 1].EndTick;
        if (overlapping && options.Polyphony == PolyphonyPolicy.Throw)
            throw new InvalidOperationException($"Track {trackIndex} has overlapping notes on channel {channel}; use PolyphonyPolicy.Skyline for its top line.");
        IReadOnlyList<MidiNote> line = overlapping ? Skyline(chosen) : chosen;

        // Conductor data: for format 2 only the chosen track; else every track.
        var sources = file.Format == 2 ? [track] : file.Tracks;
        Key? key = null, textKey = null;
        var meters = new List<MeterChange>();
        var chords = new List<ChordChange>();
        int chordTrack = file.Format == 0 ? 0 : file.Tracks.ToList().FindIndex(t => string.Equals(t.Name?.Trim(), "chords", StringComparison.OrdinalIgnoreCase));
        for (int ti = 0; ti < sources.Length; ti++)
        {
            foreach (var e in sources[ti].Events)
            {
                if (e.Kind != MidiEventKind.Meta) continue;
                switch (e.MetaType)
                {
                    case MidiMeta.KeySignature when key is null && e.Data.Length >= 2:
                        key = KeyFromSignature((sbyte)e.Data.Span[0], e.Data.Span[1] == 1);
                        break;
                    case MidiMeta.Text when e.Text.StartsWith(KeyTextPrefix, StringComparison.Ordinal):
                        if (textKey is null && Music.Key.TryParse(e.Text[KeyTextPrefix.Length..], out var k)) textKey = k;
                        break;
                    case MidiMeta.Text when file.Format != 2 && ti == chordTrack:
                        if (ChordSymbol.TryParse(e.Text, out var chord)) chords.Add(new ChordChange(time(e.Tick), chord!));
                        break;
                    case MidiMeta.TimeSignature when e.Data.Length >= 2:
                        var d = e.Data.Span;
                        if (d[0] is >= 1 and <= 64 && d[1] <= 6)
                        {
                            var at = time(e.Tick);
                            var m = new MeterChange(at, new TimeSignature(d[0], 1 << d[1]));
                            int same = meters.FindIndex(x => x.At == at);
                            if (same >= 0) meters[same] = m; else meters.Add(m);
                        }
                        break;
                }
            }
        }
        meters.Sort((a, b) => a.At.CompareTo(b.At));
        if (meters.Count > 0 && !meters[0].At.IsZero) meters.Insert(0, new MeterChange(Duration.Zero, TimeSignature.CommonTime));
        chords = [.. chords.OrderBy(c => c.At)];
        var tempos = (file.Format == 2 ? map.Changes : file.TempoMap.Changes)
            .Where(t => t.MicrosecondsPerQuarter >= 1)
            .Select(t => new TempoChange(time(t.Tick), t.MicrosecondsPerQuarter));
        key = textKey ?? key;

        var notes = line.Select(n =>
        {
            var pitch = Pitch.FromMidi(n.Pitch);
            if (key is not null) pitch = pitch.SpelledIn(key);
            var start = time(n.StartTick);
            return new Note(pitch, start, time(n.EndTick) - start, n.Velocity);
        });
        string? title = null;
        if (file.Format == 0 || trackIndex != 0) title = file.Tracks[0].Name;
        if (string.IsNullOrWhiteSpace(title)) title = null;
        return Melody.Create(notes, key, meters, tempos, chords, new MelodyInfo { Title = title }, time(track.EndTick));
    }

    private static Func<long, Duration> TimeConverter(MidiDivision division)
    {
        if (!division.IsSmpte) return tick => Duration.FromTicks(tick, Math.Max(1, division.TicksPerQuarter));
        // SMPTE: real time, read at 120 BPM (a quarter is half a second).
        long perSecondNum = division.FramesPerSecond == 29 ? 30000L * division.TicksPerFrame : (long)division.FramesPerSecond * division.TicksPerFrame;
        long perSecondDen = division.FramesPerSecond == 29 ? 1001 : 1;
        return tick => Duration.FromQuarters(new Rational(tick, 1) * new Rational(2 * perSecondDen, perSecondNum));
    }

    /// <summary>The key of a key signature: its major key, or the relative minor when <paramref name="minor"/>; null when out of range.</summary>
    public static Key? KeyFromSignature(int fifths, bool minor)
    {
        if (fifths is < -7 or > 7) return null;
        var major = new Key(NoteName.FromFifths(fifths));
        return minor ? major.Relative(Mode.Minor) : major;
    }

    /// <summary>The MIDI file for a melody.</summary>
    /// <exception cref="ArgumentException">A position does not fall on a whole tick at the given division, or no division up to 32767 fits.</exception>
    public static MidiFile ToMidiFile(Melody melody, MidiMelodyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        options ??= MidiMelodyWriteOptions.Default;
        var positions = melody.TimePoints().ToList();
        int tpq = options.TicksPerQuarter ?? ChooseDivision(positions);
        var bad = positions.FirstOrDefault(p => !p.IsWholeTicks(tpq), Duration.Zero);
        if (!bad.IsWholeTicks(tpq)) throw new ArgumentException($"Position {bad} quarters is not a whole tick at {tpq} ticks per quarter.", nameof(options));
        long T(Duration d) => d.ToTicks(tpq);

        var conductor = new List<MidiEvent>();
        if (melody.Info.Title is { Length: > 0 } title) conductor.Add(MidiEvent.MetaText(0, MidiMeta.TrackName, title));
        if (melody.Key is { } key)
        {
            if (key.Fifths is >= -7 and <= 7) conductor.Add(MidiEvent.KeySignature(0, key.Fifths, key.Mode == Mode.Minor));
            conductor.Add(MidiEvent.MetaText(0, MidiMeta.Text, KeyTextPrefix + key));
        }
        foreach (var m in melody.Meters) conductor.Add(MidiEvent.TimeSignature(T(m.At), m.Meter.Numerator, m.Meter.Denominator));
        foreach (var t in melody.Tempos) conductor.Add(MidiEvent.Tempo(T(t.At), t.MicrosecondsPerQuarter));

        var lead = new List<MidiEvent>();
        if (options.Format == 1) lead.Add(MidiEvent.MetaText(0, MidiMeta.TrackName, options.MelodyTrackName));
        if (options.MelodyProgram is { } program) lead.Add(MidiEvent.ChannelMessage(0, 0xC0, options.MelodyChannel, program));
        AddNotes(lead, melody.Notes.Select(n => (T(n.Start), T(n.End), n.Pitch.Number, n.Velocity)), options.MelodyChannel);

        var chordEvents = new List<MidiEvent>();
        if (options.IncludeChords && !melody.Chords.IsEmpty)
        {
            if (options.Format == 1) chordEvents.Add(MidiEvent.MetaText(0, MidiMeta.TrackName, options.ChordTrackName));
            var blocks = new List<(long, long, int, int)>();
            for (int i = 0; i < melody.Chords.Length; i++)
            {
                var c = melody.Chords[i];
                var end = i + 1 < melody.Chords.Length ? melody.Chords[i + 1].At : melody.Length;
                chordEvents.Add(MidiEvent.MetaText(T(c.At), MidiMeta.Text, c.Chord.ToString()));
                if (end <= c.At) continue;
                foreach (var p in c.Chord.Voicing()) blocks.Add((T(c.At), T(end), p, options.ChordVelocity));
            }
            var notesOnly = new List<MidiEvent>();
            AddNotes(notesOnly, blocks, options.ChordChannel);
            chordEvents = [.. chordEvents.Concat(notesOnly).Select((e, i) => (e, i)).OrderBy(x => x.e.Tick).ThenBy(x => x.i).Select(x => x.e)];
        }

        var division = MidiDivision.PerQuarter(tpq);
        long length = T(melody.Length);
        if (options.Format == 0)
        {
            var merged = conductor.Concat(lead).Concat(chordEvents).Select((e, i) => (e, i)).OrderBy(x => x.e.Tick).ThenBy(x => x.i).Select(x => x.e);
            return new MidiFile(0, division, [new MidiTrack([.. merged], length)]);
        }
        var tracks = new List<MidiTrack> { new([.. conductor.OrderBy(e => e.Tick)]), new([.. lead], length) };
        if (chordEvents.Count > 0) tracks.Add(new MidiTrack([.. chordEvents], length));
        return new MidiFile(1, division, tracks);
    }

    // Note events sorted by tick, note-offs before note-ons at the same tick.
    private static void AddNotes(List<MidiEvent> into, IEnumerable<(long Start, long End, int Pitch, int Velocity)> notes, int channel)
    {
        var evs = new List<(long Tick, int Order, MidiEvent E)>();
        foreach (var (s, e, p, v) in notes)
        {
            evs.Add((s, 1, MidiEvent.NoteOn(s, channel, p, v)));
            evs.Add((e, 0, MidiEvent.NoteOff(e, channel, p)));
        }
        into.AddRange(evs.Select((x, i) => (x, i)).OrderBy(y => y.x.Tick).ThenBy(y => y.x.Order).ThenBy(y => y.i).Select(y => y.x.E));
    }

    private static int ChooseDivision(IEnumerable<Duration> positions)
    {
        long tpq = BaseTicksPerQuarter;
        foreach (var p in positions)
        {
            long den = p.Quarters.Denominator;
            tpq = tpq / (long)System.Numerics.BigInteger.GreatestCommonDivisor(tpq, den) * den;
            if (tpq > 0x7FFF)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"No MIDI division up to 32767 ticks per quarter puts position {p} on a whole tick."), nameof(positions));
        }
        return (int)tpq;
    }
}
