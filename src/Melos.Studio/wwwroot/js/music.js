// Music helpers shared by the page: pitch names, bar and beat lengths, the grid, monophony. The keys, meters, note
// lengths and the chord grammar are the server's (GET /api/model, POST /api/chords).

const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

/** Scientific pitch name of a MIDI number (60 = C4). */
export function pitchName(pitch) {
  return NAMES[((pitch % 12) + 12) % 12] + (Math.floor(pitch / 12) - 1);
}

/** True for the black keys of a piano. */
export function isBlack(pitch) {
  return [1, 3, 6, 8, 10].includes(((pitch % 12) + 12) % 12);
}

/** The meters the server reported (GET /api/model: name, barQuarters, beatQuarters), by name. */
const METERS = new Map();

/** Takes the server's meters: their bar and beat lengths are the ones the chord grammar and the model use. */
export function setMeters(meters) {
  METERS.clear();
  for (const m of meters ?? []) METERS.set(m.name, m);
}

function meterInfo(meter) {
  const known = METERS.get(meter);
  if (known) return known;
  // Before the model has loaded: a bar is numerator × 1/denominator whole notes, a beat one bar until the server says.
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(meter ?? '');
  if (!m) throw new Error(`meter "${meter}" is not N/D`);
  const bar = (Number(m[1]) * 4) / Number(m[2]);
  return { name: meter, barQuarters: bar, beatQuarters: bar };
}

/** Length of one bar in quarter notes. */
export function barQuarters(meter) {
  return meterInfo(meter).barQuarters;
}

/** Length of one beat in quarter notes, as the server counts beats (a dotted quarter in 6/8): what "G:1" lasts. */
export function beatQuarters(meter) {
  return meterInfo(meter).beatQuarters;
}

/** Rounds a time in quarters to the nearest multiple of step (and cleans float noise). */
export function snap(t, step) {
  return clean(Math.round(t / step) * step);
}

/** Rounds down to the grid. */
export function snapDown(t, step) {
  return clean(Math.floor(t / step + 1e-9) * step);
}

/** Removes float noise from a time in quarters (the model's grid is 12 steps per quarter; 1/96 is the tolerance). */
export function clean(t) {
  return Math.round(t * 2880) / 2880;
}

/** Bars needed to hold every note (at least 1). */
export function barsNeeded(notes, meter) {
  const bar = barQuarters(meter);
  const end = notes.reduce((e, n) => Math.max(e, n.start + n.duration), 0);
  return Math.max(1, Math.ceil(end / bar - 1e-9));
}

/**
 * Keeps the line monophonic (the model's melodies are one line): the note with id `keepId` wins over notes it overlaps
 * (an earlier note is shortened to end where it starts, a later one that starts inside it is dropped); elsewhere a note
 * is shortened to end where the next begins, and of notes starting together the last one listed stays.
 */
export function monophonic(notes, keepId = null) {
  const kept = keepId === null ? null : notes.find(n => n.id === keepId) ?? null;
  let list = notes.map(n => ({ ...n }));
  if (kept) {
    const ks = kept.start, ke = kept.start + kept.duration;
    list = list.filter(n => n.id === kept.id || !(n.start >= ks - 1e-9 && n.start < ke - 1e-9));
    for (const n of list) {
      if (n.id !== kept.id && n.start < ks && n.start + n.duration > ks + 1e-9) n.duration = clean(ks - n.start);
    }
  }
  list.sort((a, b) => a.start - b.start || (a.id === keepId) - (b.id === keepId));
  const out = [];
  for (const n of list) {
    const prev = out[out.length - 1];
    if (prev && Math.abs(prev.start - n.start) < 1e-9) out.pop();
    const before = out[out.length - 1];
    if (before && before.start + before.duration > n.start + 1e-9) before.duration = clean(n.start - before.start);
    out.push(n);
  }
  return out.filter(n => n.duration > 1e-9);
}
