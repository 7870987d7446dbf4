// The piano roll: an SVG editor of the melody's notes, with a bar ruler (bar selection), chord symbols and a playhead.
// It never changes the melody itself: it proposes new note lists to its owner (onCommit), who records them for undo.

import { barQuarters, beatQuarters, clean, isBlack, pitchName, snap, snapDown } from './music.js';

const SVG = 'http://www.w3.org/2000/svg';
const RULER = 20;
const CHORDS = 18;
const TOP = RULER + CHORDS;
const EDGE = 6;

/** Colour of a probability: red (unlikely) through yellow to green (likely), on a log scale from 0.005 to 1. */
export function probabilityColour(p) {
  const x = Math.max(0, Math.min(1, (Math.log10(Math.max(p, 0.005)) + 2.3) / 2.3));
  return `hsl(${Math.round(x * 125)}, 72%, 46%)`;
}

export const ORIGIN_COLOURS = { user: '#3b78d8', recorded: '#3b78d8', model: '#e0782d' };

const esc = s => String(s).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export class PianoRoll {
  /**
   * @param {HTMLElement} host the scrolling element that holds the SVG
   * @param {object} handlers onCommit(notes, label), onSelectBars(range|null), onNoteClick(note|null), onAudition(pitch)
   */
  constructor(host, handlers) {
    this.host = host;
    this.handlers = handlers;
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.id = 'roll';
    this.svg.setAttribute('role', 'application');
    this.svg.setAttribute('aria-label', 'piano roll');
    host.appendChild(this.svg);
    this.view = null;
    this.drag = null;
    this.svg.addEventListener('pointerdown', e => this.pointerDown(e));
    this.svg.addEventListener('pointermove', e => this.pointerMove(e));
    this.svg.addEventListener('pointerup', e => this.pointerUp(e));
    this.svg.addEventListener('pointercancel', () => this.cancelDrag());
  }

  /** Layout numbers derived from the view. */
  layout(view) {
    const bar = barQuarters(view.meter);
    const quarters = bar * view.bars;
    const width = this.host.clientWidth || 900;
    const ppq = Math.max(18, Math.min(72, Math.floor((width - 4) / quarters)));
    const rowH = view.rowHeight ?? 11;
    return { bar, beat: beatQuarters(view.meter), quarters, ppq, rowH, min: view.minPitch, max: view.maxPitch,
      width: Math.ceil(quarters * ppq) + 1, height: TOP + (view.maxPitch - view.minPitch + 1) * rowH };
  }

  /**
   * Draws the view: { meter, bars, notes, chords, minPitch, maxPitch, grid, length, colourMode, selection, answer,
   * selectedIds }.
   */
  render(view) {
    this.view = view;
    const L = (this.L = this.layout(view));
    const x = q => q * L.ppq;
    const y = p => TOP + (L.max - p) * L.rowH;
    const parts = [];
    // Rows.
    for (let p = L.max; p >= L.min; p--) {
      parts.push(`<rect class="row ${isBlack(p) ? 'black' : 'white'}${p % 12 === 0 ? ' c' : ''}" x="0" y="${y(p)}" width="${L.width}" height="${L.rowH}"/>`);
    }
    // Answer region and selected bars.
    if (view.answer) {
      const a0 = (view.answer.firstBar - 1) * L.bar, a1 = view.answer.lastBar * L.bar;
      parts.push(`<rect class="answer-region" x="${x(a0)}" y="${TOP}" width="${x(a1 - a0)}" height="${L.height - TOP}"/>`);
    }
    if (view.selection) {
      const s0 = (view.selection.first - 1) * L.bar, s1 = view.selection.last * L.bar;
      parts.push(`<rect class="bar-selection" x="${x(s0)}" y="0" width="${x(s1 - s0)}" height="${L.height}"/>`);
    }
    // Grid lines: the snapping grid faintly, beats, bars.
    const step = view.grid;
    if (L.ppq * step >= 6) {
      for (let q = step, i = 1; q < L.quarters - 1e-9; i++, q = clean(i * step)) {
        if (Math.abs(q / L.beat - Math.round(q / L.beat)) < 1e-6) continue;
        parts.push(`<line class="grid-line" x1="${x(q)}" x2="${x(q)}" y1="${TOP}" y2="${L.height}"/>`);
      }
    }
    for (let q = 0, i = 0; q <= L.quarters + 1e-9; i++, q = clean(i * L.beat)) {
      const isBar = Math.abs(q / L.bar - Math.round(q / L.bar)) < 1e-6;
      parts.push(`<line class="${isBar ? 'bar-line' : 'beat-line'}" x1="${x(q)}" x2="${x(q)}" y1="${isBar ? 0 : TOP}" y2="${L.height}"/>`);
    }
    // Ruler with bar numbers, and the chord row.
    parts.push(`<rect class="ruler" x="0" y="0" width="${L.width}" height="${RULER}"/>`);
    for (let b = 1; b <= view.bars; b++) {
      const selected = view.selection && b >= view.selection.first && b <= view.selection.last;
      parts.push(`<rect class="ruler-bar${selected ? ' selected' : ''}" data-bar="${b}" x="${x((b - 1) * L.bar)}" y="0" width="${x(L.bar)}" height="${RULER}"/>`);
      parts.push(`<text class="bar-number" x="${x((b - 1) * L.bar) + 4}" y="14">${b}</text>`);
    }
    parts.push(`<rect class="chord-row" x="0" y="${RULER}" width="${L.width}" height="${CHORDS}"/>`);
    for (const c of view.chords) {
      parts.push(`<text class="chord" data-start="${c.start}" data-length="${c.length}" data-symbol="${esc(c.symbol)}" x="${x(c.start) + 3}" y="${RULER + 13}">${esc(c.symbol)}</text>`);
    }
    // Notes.
    view.notes.forEach(n => {
      const fill = view.colourMode === 'probability'
        ? (n.probability === undefined || n.probability === null ? '#9aa3ad' : probabilityColour(n.probability))
        : ORIGIN_COLOURS[n.origin] ?? ORIGIN_COLOURS.user;
      const selected = view.selectedIds.has(n.id);
      const title = `${pitchName(n.pitch)} at ${n.start}, ${n.duration} q` + (n.probability != null ? `, p = ${n.probability.toFixed(3)}` : '');
      parts.push(`<rect class="note origin-${n.origin}${selected ? ' selected' : ''}" data-id="${n.id}" data-pitch="${n.pitch}" ` +
        `data-start="${n.start}" data-duration="${n.duration}" data-origin="${n.origin}"` +
        (n.probability != null ? ` data-probability="${n.probability}"` : '') +
        ` x="${x(n.start) + 0.5}" y="${y(n.pitch) + 0.5}" width="${Math.max(3, x(n.duration) - 1)}" height="${L.rowH - 1}" rx="2" fill="${fill}"><title>${esc(title)}</title></rect>`);
    });
    parts.push(`<line id="playhead" x1="-10" x2="-10" y1="0" y2="${L.height}"/>`);
    this.svg.setAttribute('width', L.width);
    this.svg.setAttribute('height', L.height);
    this.svg.dataset.ppq = L.ppq;
    this.svg.dataset.rowHeight = L.rowH;
    this.svg.dataset.maxPitch = L.max;
    this.svg.dataset.top = TOP;
    this.svg.innerHTML = parts.join('');
    this.playhead = this.svg.querySelector('#playhead');
    this.renderLabels(view, L, y);
  }

  renderLabels(view, L, y) {
    const labels = this.handlers.labels;
    if (!labels) return;
    const parts = [];
    for (let p = L.max; p >= L.min; p--) {
      parts.push(`<rect class="label-row ${isBlack(p) ? 'black' : 'white'}" x="0" y="${y(p)}" width="44" height="${L.rowH}"/>`);
      if (p % 12 === 0 || L.rowH >= 14) parts.push(`<text class="pitch-label" x="4" y="${y(p) + L.rowH - 2}">${pitchName(p)}</text>`);
    }
    labels.setAttribute('width', 44);
    labels.setAttribute('height', L.height);
    labels.innerHTML = parts.join('');
  }

  /** Moves the playhead to quarter q (null hides it) and keeps it in view. */
  setPlayhead(q) {
    if (!this.playhead || !this.L) return;
    const px = q === null || q < 0 ? -10 : q * this.L.ppq;
    this.playhead.setAttribute('x1', px);
    this.playhead.setAttribute('x2', px);
    if (q !== null && (px < this.host.scrollLeft || px > this.host.scrollLeft + this.host.clientWidth - 20)) {
      this.host.scrollLeft = Math.max(0, px - 40);
    }
  }

  point(e) {
    const r = this.svg.getBoundingClientRect();
    return { px: e.clientX - r.left, py: e.clientY - r.top };
  }

  noteAt(target) {
    const el = target.closest && target.closest('.note');
    if (!el) return null;
    const id = Number(el.dataset.id);
    return this.view.notes.find(n => n.id === id) ?? null;
  }

  pointerDown(e) {
    if (!this.view || e.button !== 0) return;
    const { px, py } = this.point(e);
    const L = this.L;
    const q = px / L.ppq;
    if (py < TOP) {
      if (py < RULER) {
        const bar = Math.min(this.view.bars, Math.max(1, Math.floor(q / L.bar) + 1));
        this.drag = { kind: 'bars', anchor: bar, range: { first: bar, last: bar } };
        this.svg.setPointerCapture(e.pointerId);
        this.handlers.onSelectBars(this.drag.range);
      }
      return;
    }
    const note = this.noteAt(e.target);
    // A double-click deletes (detected here: the first click re-renders the roll, so the browser's dblclick can miss).
    const last = this.lastDown;
    this.lastDown = note ? { id: note.id, t: e.timeStamp, px, py } : null;
    if (note && last && last.id === note.id && e.timeStamp - last.t < 450 && Math.hypot(px - last.px, py - last.py) < 6) {
      this.lastDown = null;
      this.handlers.onCommit(this.view.notes.filter(n => n.id !== note.id), 'delete note', false);
      return;
    }
    if (note) {
      const right = (note.start + note.duration) * L.ppq;
      const kind = right - px <= EDGE ? 'resize' : 'move';
      this.drag = { kind, note, x0: px, y0: py, notes: this.view.notes, changed: false };
      this.svg.setPointerCapture(e.pointerId);
      this.handlers.onNoteClick(note, e.shiftKey);
      return;
    }
    // Empty grid: a new note at the grid step under the pointer.
    const pitch = L.max - Math.floor((py - TOP) / L.rowH);
    const start = snapDown(q, this.view.grid);
    const end = L.quarters;
    if (pitch < L.min || pitch > L.max || start >= end) return;
    const duration = clean(Math.min(this.view.length, end - start));
    this.handlers.onAudition(pitch);
    this.handlers.onCommit([...this.view.notes, { pitch, start, duration, origin: 'user' }], 'add note', true);
  }

  pointerMove(e) {
    const L = this.L;
    if (!L) return;
    const { px, py } = this.point(e);
    if (!this.drag) {
      const note = this.noteAt(e.target);
      this.svg.style.cursor = note && (note.start + note.duration) * L.ppq - px <= EDGE ? 'ew-resize' : py < RULER ? 'col-resize' : note ? 'grab' : 'crosshair';
      return;
    }
    const d = this.drag;
    if (d.kind === 'bars') {
      const bar = Math.min(this.view.bars, Math.max(1, Math.floor(px / L.ppq / L.bar) + 1));
      const range = { first: Math.min(d.anchor, bar), last: Math.max(d.anchor, bar) };
      if (range.first !== d.range.first || range.last !== d.range.last) {
        d.range = range;
        this.handlers.onSelectBars(range);
      }
      return;
    }
    const grid = this.view.grid;
    const n = d.note;
    let moved;
    if (d.kind === 'move') {
      const dq = snap((px - d.x0) / L.ppq, grid);
      const dp = -Math.round((py - d.y0) / L.rowH);
      const start = clean(Math.max(0, Math.min(L.quarters - n.duration, n.start + dq)));
      const pitch = Math.max(L.min, Math.min(L.max, n.pitch + dp));
      moved = { ...n, start, pitch };
      if (pitch !== d.lastPitch && pitch !== n.pitch) this.handlers.onAudition(pitch);
      d.lastPitch = pitch;
    } else {
      const end = snap(px / L.ppq, grid);
      const duration = clean(Math.max(grid, Math.min(L.quarters, end) - n.start));
      moved = { ...n, duration };
    }
    d.changed = moved.start !== n.start || moved.pitch !== n.pitch || moved.duration !== n.duration;
    d.result = d.notes.map(m => (m.id === n.id ? moved : m));
    this.render({ ...this.view, notes: d.result });
  }

  pointerUp(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    try { this.svg.releasePointerCapture(e.pointerId); } catch { /* not captured */ }
    if (d.kind === 'bars') return;
    if (d.changed) this.handlers.onCommit(d.result, d.kind === 'move' ? 'move note' : 'resize note', false);
  }

  cancelDrag() {
    if (this.drag && this.drag.kind !== 'bars') this.render({ ...this.view, notes: this.drag.notes });
    this.drag = null;
  }
}
