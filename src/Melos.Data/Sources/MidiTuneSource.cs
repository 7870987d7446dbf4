using Melos.Data.Corpus;
using Melos.Formats;
using Melos.Formats.Midi;
using Melos.Music;

namespace Melos.Data.Sources;

/// <summary>
/// Reads one melody per MIDI file: the track named as a melody (<c>MELODY</c>, <c>lead</c>, <c>vocal</c>...), else the most
/// melodic track (least polyphony, then highest mean pitch), reduced to its top line. Chords come from the file's chord
/// text events, else from POP909's <c>chord_midi.txt</c> beside it, else from another track that plays block chords;
/// the key from the key signature, else POP909's <c>key_audio.txt</c>.
/// </summary>
public sealed class MidiTuneSource : ITuneSource
{
    /// <inheritdoc/>
    public bool CanRead(string path) => MelodyFormat.Midi.Matches(path);

    /// <inheritdoc/>
    public IEnumerable<SourceTune> Read(string path, string relativeId)
    {
        MidiFile file;
        System.Collections.Immutable.ImmutableArray<MidiRepair> repairs;
        try
        {
            (file, repairs) = MidiReader.Read(path, MidiReadSettings.Lenient);
        }
        catch (MidiLimitException e)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.OverLimit, e.Message)];
        }
        catch (MidiFormatException e)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.ParseError, $"byte {e.Offset}: {e.Message}")];
        }
        if (file.Division.IsSmpte)
            return [SourceTune.Failed(relativeId, DiscardReason.Unquantizable, "SMPTE time division: no beat grid to quantize to")];

        var notesByTrack = file.Tracks.Select(MidiNotes.Pair).Select(t => t.Notes).ToList();
        int? trackIndex = MelodyTrackByName(file) ?? MostMelodicTrack(notesByTrack);
        if (trackIndex is not { } index)
        {
            // A file that needed repairs and still has no notes is damaged, not merely empty: say where.
            return repairs.IsEmpty
                ? [SourceTune.Failed(relativeId, DiscardReason.NoMelody, "no track has notes")]
                : [SourceTune.Failed(relativeId, DiscardReason.ParseError, $"byte {repairs[0].Offset}: {repairs[0].Issue}: {repairs[0].Detail}")];
        }

        Melody melody;
        try
        {
            melody = MidiMelody.FromMidiFile(file, new MidiMelodyReadOptions { TrackIndex = index });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.NoMelody, e.Message)];
        }
        var trackNotes = notesByTrack[index];
        int channel = melody.Notes.IsEmpty ? 0 : trackNotes.FirstOrDefault(n => n.Pitch == melody.Notes[0].Pitch.Number).Channel;
        var onChannel = trackNotes.Where(n => n.Channel == channel).ToList();
        int dropped = onChannel.Count - MidiMelody.Skyline(onChannel).Count;

        int tpq = file.Division.TicksPerQuarter;
        var dir = Path.GetDirectoryName(path)!;
        if (melody.Chords.IsEmpty)
        {
            var chordFile = Path.Combine(dir, "chord_midi.txt");
            var chords = File.Exists(chordFile) ? Pop909Chords(chordFile, file.TempoMap, tpq) : BlockChords(notesByTrack, index, tpq);
            if (chords.Count > 0) melody = melody.WithChords(chords);
        }
        if (melody.Key is null)
        {
            var keyFile = Path.Combine(dir, "key_audio.txt");
            if (File.Exists(keyFile) && Pop909Key(keyFile) is { } key) melody = melody.WithKey(key);
        }
        return [SourceTune.Found(relativeId, melody, dropped, onChannel.Count)];
    }

    private static int? MelodyTrackByName(MidiFile file)
    {
        foreach (var name in MidiMelodyReadOptions.MelodyTrackNames)
            for (int i = 0; i < file.Tracks.Length; i++)
                if (string.Equals(file.Tracks[i].Name?.Trim(), name, StringComparison.OrdinalIgnoreCase)) return i;
        return null;
    }

    /// <summary>The track with notes whose notes overlap least (then the highest mean pitch).</summary>
    private static int? MostMelodicTrack(List<System.Collections.Immutable.ImmutableArray<MidiNote>> tracks)
    {
        int? best = null;
        (double Overlap, double Pitch) bestScore = (double.MaxValue, 0);
        for (int i = 0; i < tracks.Count; i++)
        {
            var notes = tracks[i];
            if (notes.Length == 0) continue;
            int overlapping = 0;
            for (int k = 1; k < notes.Length; k++) if (notes[k].StartTick < notes[k - 1].EndTick) overlapping++;
            double overlap = (double)overlapping / notes.Length;
            double pitch = notes.Average(n => n.Pitch);
            if (overlap < bestScore.Overlap - 0.05 || Math.Abs(overlap - bestScore.Overlap) <= 0.05 && pitch > bestScore.Pitch)
            {
                best = i;
                bestScore = (overlap, pitch);
            }
        }
        return best;
    }

    /// <summary>Chords named from the onsets of another track that plays two or more notes together.</summary>
    private static List<ChordChange> BlockChords(List<System.Collections.Immutable.ImmutableArray<MidiNote>> tracks, int melodyTrack, int tpq)
    {
        for (int i = 0; i < tracks.Count; i++)
        {
            if (i == melodyTrack || tracks[i].Length == 0) continue;
            var groups = tracks[i].GroupBy(n => n.StartTick).OrderBy(g => g.Key).ToList();
            if (groups.Count(g => g.Count() >= 2) < 0.6 * groups.Count) continue; // not a block-chord track
            var chords = new List<ChordChange>();
            ChordSymbol? previous = null;
            foreach (var g in groups)
            {
                var chord = ChordRecognizer.Recognize(g.Select(n => n.Pitch));
                if (chord is null || chord == previous) continue;
                chords.Add(new ChordChange(Duration.FromTicks(g.Key, tpq), chord));
                previous = chord;
            }
            return chords;
        }
        return [];
    }

    /// <summary>POP909 chord annotations (seconds) mapped onto the file's ticks through its tempo map.</summary>
    private static List<ChordChange> Pop909Chords(string path, TempoMap tempo, int tpq)
    {
        var chords = new List<ChordChange>();
        ChordSymbol? previous = null;
        foreach (var (start, _, label) in HarteChord.ReadTimedLabels(path))
        {
            if (!HarteChord.TryParse(label, out var chord) || chord is null || chord == previous) continue;
            long tick = SecondsToTick(tempo, start);
            var at = Duration.FromTicks(tick, tpq);
            if (chords.Count > 0 && at <= chords[^1].At) continue;
            chords.Add(new ChordChange(at, chord));
            previous = chord;
        }
        return chords;
    }

    private static Key? Pop909Key(string path)
    {
        var labels = HarteChord.ReadTimedLabels(path);
        if (labels.Count == 0) return null;
        var label = labels[0].Label;
        int colon = label.IndexOf(':');
        if (colon < 0 || !NoteName.TryParse(label[..colon], out var tonic)) return null;
        return label[(colon + 1)..] switch
        {
            "maj" => new Key(tonic, Mode.Major),
            "min" => new Key(tonic, Mode.Minor),
            _ => null,
        };
    }

    /// <summary>The tick at which <paramref name="seconds"/> have elapsed (the tempo map is monotonic: binary search).</summary>
    public static long SecondsToTick(TempoMap tempo, double seconds)
    {
        if (seconds <= 0) return 0;
        long lo = 0, hi = 1;
        while (tempo.ToSeconds(hi) < seconds && hi < long.MaxValue / 4) hi *= 2;
        while (lo < hi)
        {
            long mid = lo + (hi - lo) / 2;
            if (tempo.ToSeconds(mid) < seconds) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
