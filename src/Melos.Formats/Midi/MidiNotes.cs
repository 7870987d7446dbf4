using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Melos.Formats.Midi;

/// <summary>A note of a MIDI track: a note-on paired with its note-off.</summary>
/// <param name="Channel">MIDI channel 0..15.</param>
/// <param name="Pitch">MIDI pitch 0..127.</param>
/// <param name="Velocity">The note-on velocity 1..127.</param>
/// <param name="StartTick">The note-on's tick.</param>
/// <param name="EndTick">The note-off's tick (or the track's end when none came).</param>
public readonly record struct MidiNote(int Channel, int Pitch, int Velocity, long StartTick, long EndTick)
{
    /// <summary>The length in ticks (may be 0).</summary>
    public long Ticks => EndTick - StartTick;
}

/// <summary>The notes of a track and what the pairing had to do.</summary>
/// <param name="Notes">The notes in onset order, then pitch, channel and end.</param>
/// <param name="UnpairedNoteOffs">Note-offs that had no sounding note-on (ignored).</param>
/// <param name="ClosedAtTrackEnd">Notes still on at the end of the track (closed there).</param>
public sealed record TrackNotes(ImmutableArray<MidiNote> Notes, int UnpairedNoteOffs, int ClosedAtTrackEnd);

/// <summary>
/// Pairs note-ons with note-offs as real files need: a note-on with velocity 0 is a note-off; overlapping notes of the same
/// pitch and channel are closed first-in-first-out; a note-off with no sounding note is ignored and counted; a note still on
/// at the end of the track is closed there and counted. Events are taken in file order.
/// </summary>
public static class MidiNotes
{
    /// <summary>Pairs the notes of <paramref name="track"/>.</summary>
    public static TrackNotes Pair(MidiTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var events = track.Events.AsSpan();
        // FIFO of sounding notes per channel × pitch: indices into `notes`, chained through `next`.
        Span<int> head = stackalloc int[16 * 128];
        Span<int> tail = stackalloc int[16 * 128];
        head.Fill(-1);
        tail.Fill(-1);
        var notes = new List<MidiNote>();
        var next = new List<int>();
        int unpaired = 0;
        foreach (ref readonly var e in events)
        {
            if (e.Kind != MidiEventKind.Channel) continue;
            int cmd = e.Status & 0xF0;
            if (cmd != 0x80 && cmd != 0x90) continue;
            int key = ((e.Status & 0x0F) << 7) | e.Data1;
            if (cmd == 0x90 && e.Data2 > 0)
            {
                int i = notes.Count;
                notes.Add(new MidiNote(e.Status & 0x0F, e.Data1, e.Data2, e.Tick, -1));
                next.Add(-1);
                if (tail[key] >= 0) next[tail[key]] = i; else head[key] = i;
                tail[key] = i;
            }
            else
            {
                int i = head[key];
                if (i < 0)
                {
                    unpaired++;
                    continue;
                }
                notes[i] = notes[i] with { EndTick = e.Tick };
                head[key] = next[i];
                if (head[key] < 0) tail[key] = -1;
            }
        }
        int closed = 0;
        var span = CollectionsMarshal.AsSpan(notes);
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i].EndTick >= 0) continue;
            span[i] = span[i] with { EndTick = track.EndTick };
            closed++;
        }
        span.Sort(Compare);
        return new TrackNotes([.. notes], unpaired, closed);
    }

    /// <summary>The order of notes everywhere in Melos's MIDI code: onset, pitch, channel, end, velocity.</summary>
    public static int Compare(MidiNote a, MidiNote b)
    {
        int c = a.StartTick.CompareTo(b.StartTick);
        if (c != 0) return c;
        if ((c = a.Pitch.CompareTo(b.Pitch)) != 0) return c;
        if ((c = a.Channel.CompareTo(b.Channel)) != 0) return c;
        if ((c = a.EndTick.CompareTo(b.EndTick)) != 0) return c;
        return a.Velocity.CompareTo(b.Velocity);
    }
}
