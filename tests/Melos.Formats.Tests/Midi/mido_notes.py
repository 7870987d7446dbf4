#!/usr/bin/python3
"""Lists the notes of MIDI files with mido, independently of Melos, in the shape of `melos notes --json`.

Usage: /usr/bin/python3 mido_notes.py < paths.txt   (one path per line; one JSON object per line out)
Each output line is {"path": ..., "doc": {...}} or {"path": ..., "error": "..."}.

Rules (the same as Melos's, written again here from mido's raw messages):
- a track ends at its first end_of_track meta message (later messages are ignored), or at its last message;
- note_on with velocity 0 is a note-off;
- notes of the same channel and pitch that overlap are closed first-in-first-out;
- a note-off with no sounding note is ignored; a note still on at the end of the track ends there;
- tempo: set_tempo messages of every track (format 0/1; format 2: the first track's), merged by tick, stable;
  120 BPM before the first; several at one tick: the last rules; 120 BPM at tick 0 is listed when no change is there;
- seconds are computed exactly with integers and rounded once;
- notes sorted by (startTick, pitch, channel, endTick, velocity).
"""
import json
import sys
from collections import deque

import mido

DEFAULT_TEMPO = 500000


def track_events(track):
    """(tick, msg) pairs up to the end of track, and the end tick."""
    tick = 0
    out = []
    for msg in track:
        tick += msg.time
        if msg.is_meta and msg.type == 'end_of_track':
            return out, tick
        out.append((tick, msg))
    return out, (out[-1][0] if out else 0)


def tempo_changes(tracks_events):
    changes = []
    for events, _ in tracks_events:
        for tick, msg in events:
            if msg.is_meta and msg.type == 'set_tempo':
                changes.append((tick, msg.tempo))
    changes.sort(key=lambda c: c[0])  # Python's sort is stable
    return changes


class Timer:
    def __init__(self, ticks_per_beat, changes):
        self.smpte = ticks_per_beat < 0
        if self.smpte:
            fps = -(ticks_per_beat >> 8)
            tpf = ticks_per_beat & 0xFF
            self.fps, self.tpf = fps, tpf
            self.den = 30000 * tpf if fps == 29 else fps * tpf
            return
        self.den = max(1, ticks_per_beat)
        ticks, tempos = [0], [DEFAULT_TEMPO]
        for tick, tempo in changes:
            if tick == ticks[-1]:
                tempos[-1] = tempo
            else:
                ticks.append(tick)
                tempos.append(tempo)
        acc = [0]
        for i in range(1, len(ticks)):
            acc.append(acc[-1] + (ticks[i] - ticks[i - 1]) * tempos[i - 1])
        self.ticks, self.tempos, self.acc = ticks, tempos, acc

    def seconds(self, tick):
        if self.smpte:
            num = tick * 1000000 * (1001 if self.fps == 29 else 1)
        else:
            lo, hi = 0, len(self.ticks) - 1
            while lo < hi:  # last segment starting at or before tick
                mid = (lo + hi + 1) // 2
                if self.ticks[mid] <= tick:
                    lo = mid
                else:
                    hi = mid - 1
            num = self.acc[lo] + (tick - self.ticks[lo]) * self.tempos[lo]
        return num / (self.den * 1000000)  # int / int: correctly rounded


def pair_notes(events, end_tick):
    sounding = {}
    notes = []
    for tick, msg in events:
        if msg.type == 'note_on' and msg.velocity > 0:
            note = [msg.channel, msg.note, msg.velocity, tick, None]
            notes.append(note)
            sounding.setdefault((msg.channel, msg.note), deque()).append(note)
        elif msg.type == 'note_off' or (msg.type == 'note_on' and msg.velocity == 0):
            queue = sounding.get((msg.channel, msg.note))
            if queue:
                queue.popleft()[4] = tick
    for note in notes:
        if note[4] is None:
            note[4] = end_tick
    notes.sort(key=lambda n: (n[3], n[1], n[0], n[4], n[2]))
    return notes


def document(path):
    mid = mido.MidiFile(path)
    tracks_events = [track_events(t) for t in mid.tracks]
    first = tracks_events[:1] if mid.type == 2 else tracks_events
    changes = tempo_changes(first)
    listed = changes if changes and changes[0][0] == 0 else [(0, DEFAULT_TEMPO)] + changes
    file_timer = Timer(mid.ticks_per_beat, changes)
    tracks = []
    for index, (events, end_tick) in enumerate(tracks_events):
        timer = Timer(mid.ticks_per_beat, tempo_changes([tracks_events[index]])) if mid.type == 2 else file_timer
        name = next((m.name for _, m in events if m.is_meta and m.type == 'track_name'), None)
        notes = [{"channel": c, "pitch": p, "velocity": v, "startTick": s, "endTick": e,
                  "start": timer.seconds(s), "end": timer.seconds(e)}
                 for c, p, v, s, e in pair_notes(events, end_tick)]
        tracks.append({"index": index, "name": name, "notes": notes})
    return {"format": mid.type, "division": mid.ticks_per_beat,
            "tempos": [{"tick": t, "bpm": 60000000 / us if us else None} for t, us in listed],
            "tracks": tracks}


def main():
    for line in sys.stdin:
        path = line.rstrip('\n')
        if not path:
            continue
        try:
            out = {"path": path, "doc": document(path)}
        except Exception as e:  # report and go on: the test fails on any error
            out = {"path": path, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == '__main__':
    main()
