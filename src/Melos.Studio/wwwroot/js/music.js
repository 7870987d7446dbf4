// Music helpers shared by the page: pitch names, bar lengths, the grid, chord progression text.

const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

/** Scientific pitch name of a MIDI number (60 = C4). */
export function pitchName(pitch) {
  return NAMES[((pitch % 12) + 12) % 12] + (Math.floor(pitch / 12) - 1);
}

/** True for the black keys of a piano. */
export function isBlack(pitch) {
  return [1, 3, 6, 8, 10].includes(((pitch % 12) + 12) % 12);
}

/** Parses "4/4" into { num, den }; throws on anything else. */
export function parseMeter(text) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text ?? '');
  if (!m) throw new Error(`meter "${text}" is not N/D`);
  return { num: Number(m[1]), den: Number(m[2]) };
}

/** Length of one bar in quarter notes. */
export function barQuarters(meter) {
  const { num, den } = parseMeter(meter);
  return (num * 4) / den;
}

/** Length of one beat (the meter's denominator) in quarter notes. */
export function beatQuarters(meter) {
  return 4 / parseMeter(meter).den;
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

/**
 * Parses a chord progression: symbols separated by spaces (bar lines "|" are ignored); each symbol lasts one bar
 * unless written "G:2" (two beats). Returns [{ start, symbol }] within `bars` bars; throws on a bad length.
 */
export function parseChords(text, meter, bars) {
  const bar = barQuarters(meter);
  const beat = beatQuarters(meter);
  const end = bar * bars;
  const chords = [];
  let t = 0;
  for (const token of (text ?? '').split(/[\s|]+/).filter(s => s.length > 0)) {
    const m = /^([^:]+)(?::(\d+(?:\.\d+)?))?$/.exec(token);
    if (!m) throw new Error(`chord "${token}" is not SYMBOL or SYMBOL:BEATS`);
    const length = m[2] === undefined ? bar : Number(m[2]) * beat;
    if (!(length > 0)) throw new Error(`chord "${token}" has no length`);
    if (t < end - 1e-9) chords.push({ start: clean(t), symbol: m[1] });
    t += length;
  }
  return chords;
}

/** Bars needed to hold every note (at least 1). */
export function barsNeeded(notes, meter) {
  const bar = barQuarters(meter);
  const end = notes.reduce((e, n) => Math.max(e, n.start + n.duration), 0);
  return Math.max(1, Math.ceil(end / bar - 1e-9));
}

/** Keys offered in the key list (Key.Parse reads them all). */
export const KEYS = [
  'C', 'G', 'D', 'A', 'E', 'B', 'F#', 'F', 'Bb', 'Eb', 'Ab', 'Db',
  'Am', 'Em', 'Bm', 'F#m', 'C#m', 'Dm', 'Gm', 'Cm', 'Fm',
  'D dorian', 'A dorian', 'E dorian', 'G mixolydian', 'D mixolydian', 'A mixolydian',
];

/** Note lengths for the grid and step entry, in quarters, with labels. */
export const GRID = [
  { value: 1, label: '1/4' },
  { value: 0.5, label: '1/8' },
  { value: 0.25, label: '1/16' },
  { value: 1 / 3, label: '1/8 triplet' },
  { value: 1 / 6, label: '1/16 triplet' },
];

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
