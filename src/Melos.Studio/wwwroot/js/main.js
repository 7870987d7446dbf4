// The studio page: state, undo/redo, the controls, call and response with the model, playback, recording, notation.

import * as api from './api.js';
import { AudioEngine } from './audio.js';
import { Keyboard } from './keyboard.js';
import { barQuarters, barsNeeded, clean, monophonic, pitchName, setMeters, snap } from './music.js';
import { ORIGIN_COLOURS, PianoRoll } from './pianoroll.js';
import { setupMorph } from './morph.js';

const $ = id => document.getElementById(id);

// ---------------------------------------------------------------------------------------------------------------
// State. `doc` is what undo/redo covers: the melody (with each note's origin and probability), the chord text and
// the last answer's bars. The rest (selection, model info, transport) is not an edit.

let nextId = 1;
const withId = n => ({ ...n, id: nextId++ });

const state = {
  doc: {
    melody: { key: 'G', meter: '4/4', tempo: 100, bars: 4, style: null, notes: [] },
    chordsText: 'G D Em C',
    answer: null,
  },
  // Filled from GET /api/model at load: the keys, meters, note lengths and styles the selects offer come from there.
  model: { name: null, minPitch: 48, maxPitch: 84, styles: [], meters: [], keys: [], noteLengths: [], limits: {} },
  selection: null,
  selectedIds: new Set(),
  colourMode: 'origin',
  busy: 0,
  modelBusy: false,
  recording: null,
  explainCache: new Map(),
  version: 0,
};

/** An answer to a melody that has changed since it was asked for would undo the edits: it is set aside instead. */
function stale(version) {
  if (state.version === version) return false;
  status('the melody changed while the model was thinking; ask again', 'error');
  return true;
}

const history = { past: [], future: [], limit: 200 };

const snapshot = () => JSON.parse(JSON.stringify(state.doc));

/**
 * Records the current document for undo, then applies `change` to it (every edit and every model answer). An edit
 * makes the model's probabilities stale (each depends on everything before it), so they are dropped; a model answer
 * brings fresh ones (`scored`).
 */
function commit(label, change, { scored = false } = {}) {
  history.past.push(snapshot());
  if (history.past.length > history.limit) history.past.shift();
  history.future = [];
  change(state.doc);
  if (!scored) for (const n of state.doc.melody.notes) delete n.probability;
  afterChange(label);
}

function undo() {
  if (history.past.length === 0) return;
  stopAll();
  history.future.push(snapshot());
  state.doc = history.past.pop();
  afterChange('undo');
  status('undone');
}

function redo() {
  if (history.future.length === 0) return;
  stopAll();
  history.past.push(snapshot());
  state.doc = history.future.pop();
  afterChange('redo');
  status('redone');
}

function afterChange() {
  state.version++;
  const m = state.doc.melody;
  m.bars = Math.max(m.bars, barsNeeded(m.notes, m.meter));
  const ids = new Set(m.notes.map(n => n.id));
  for (const id of [...state.selectedIds]) if (!ids.has(id)) state.selectedIds.delete(id);
  if (state.selection && state.selection.last > m.bars) state.selection = null;
  syncControls();
  render();
  scheduleNotation();
  if (state.colourMode === 'probability') scheduleExplain();
}

// ---------------------------------------------------------------------------------------------------------------
// Status line and busy indicator.

function status(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = kind;
  s.title = text;
}

async function busy(work, { model = false } = {}) {
  state.busy++;
  if (model) state.modelBusy = true;
  updateBusy();
  try {
    return await work();
  } finally {
    state.busy--;
    if (model) state.modelBusy = false;
    updateBusy();
  }
}

function updateBusy() {
  $('busy').hidden = state.busy === 0;
  document.body.setAttribute('aria-busy', state.busy > 0 ? 'true' : 'false');
  for (const id of ['answer', 'regenerate', 'vary']) $(id).disabled = state.modelBusy;
  $('regenerate').disabled = state.modelBusy || !state.selection;
  $('undo').disabled = history.past.length === 0;
  $('redo').disabled = history.future.length === 0;
}

function showError(e) {
  status(e instanceof api.ApiError || e instanceof Error ? e.message : String(e), 'error');
}

// ---------------------------------------------------------------------------------------------------------------
// The melody as the API wants it, and back.

const sortNotes = notes => [...notes].sort((a, b) => a.start - b.start || a.pitch - b.pitch);

// Chords: the page does not read chord text itself. The server parses it with the command line's grammar
// (ChordProgression: "G:2" lasts two beats of the meter, a dotted quarter each in 6/8) and lays it out over the bars
// (POST /api/chords); each layout is asked for once per text, meter and bars.
const chordLayouts = new Map();
const layoutKey = (text, meter, bars) => JSON.stringify([text ?? '', meter, bars]);

/** The chords [{ start, length, symbol }] of `text` over `bars` bars of `meter`, as the server lays them out. */
function chordsFor(text, meter, bars) {
  const key = layoutKey(text, meter, bars);
  let entry = chordLayouts.get(key);
  if (!entry) {
    entry = { result: null };
    entry.promise = busy(() => api.layoutChords(text ?? '', meter, bars)).then(r => (entry.result = r.chords));
    entry.promise.catch(() => { if (chordLayouts.get(key) === entry) chordLayouts.delete(key); });
    chordLayouts.set(key, entry);
    if (chordLayouts.size > 200) chordLayouts.delete(chordLayouts.keys().next().value);
  }
  return entry.promise;
}

/** The chords already laid out, or null: then they are asked for and the roll is drawn again when they come. */
function chordsNow(text, meter, bars) {
  const entry = chordLayouts.get(layoutKey(text, meter, bars));
  if (entry?.result) return entry.result;
  if (!entry) chordsFor(text, meter, bars).then(() => render(), () => { /* shown when a request needs them */ });
  return null;
}

/**
 * The melody as the API takes it; `chordBars` lets chords run on past the melody (an answer's bars). The fields are
 * read at once; only the chords' layout may wait for the server.
 */
async function requestMelody(doc = state.doc, chordBars = null) {
  const m = doc.melody;
  const melody = {
    key: m.key,
    meter: m.meter,
    tempo: m.tempo,
    bars: m.bars,
    style: m.style || null,
    chords: [],
    notes: sortNotes(m.notes).map(n => ({ pitch: n.pitch, start: n.start, duration: n.duration })),
  };
  const chords = await chordsFor(doc.chordsText, m.meter, chordBars ?? m.bars);
  melody.chords = chords.map(c => ({ start: c.start, symbol: c.symbol }));
  return melody;
}

const same = (a, b) => a.pitch === b.pitch && Math.abs(a.start - b.start) < 1e-6 && Math.abs(a.duration - b.duration) < 1e-6;

/**
 * Takes a melody the server answered: notes for which `isNew(note)` is true are the model's; the others keep the id
 * and origin of the same note before (or count as the model's when the model changed them).
 */
function adopt(melody, isNew) {
  const old = state.doc.melody.notes;
  const used = new Set();
  const notes = melody.notes.map(n => {
    const fresh = isNew(n);
    const match = fresh ? null : old.find(o => !used.has(o.id) && same(o, n));
    if (match) used.add(match.id);
    return {
      id: match ? match.id : nextId++,
      pitch: n.pitch,
      start: clean(n.start),
      duration: clean(n.duration),
      origin: match ? match.origin : 'model',
      probability: typeof n.probability === 'number' ? n.probability : undefined,
    };
  });
  return { bars: melody.bars, notes };
}

/**
 * Takes the server's notes and length. Key, meter, tempo, style and the chord text stay as the musician wrote them:
 * the server keeps what it was sent (it may only spell the key differently, "Ddor" for "D dorian").
 */
function applyServerMelody(doc, adopted) {
  doc.melody = { ...doc.melody, bars: adopted.bars, notes: adopted.notes };
}

// ---------------------------------------------------------------------------------------------------------------
// Model requests: answer, regenerate bars, variation, explain.

const temperature = () => Number($('temperature').value);
const seed = () => Math.max(0, Math.floor(Number($('seed').value) || 0));

function advanceSeed() {
  if ($('seed-advance').checked) $('seed').value = String((seed() + 1) % 2147483647);
}

async function answer({ play = true } = {}) {
  if (state.modelBusy) return;
  stopAll();
  const version = state.version;
  let request;
  try {
    const bars = Math.max(1, Math.min(Number($('answer-bars').value) || 4, state.model.limits.maxAnswerBars ?? 16));
    // The phrase ends at the bar of its last note: the answer follows it, not empty bars after it.
    const m = state.doc.melody;
    const phrase = barsNeeded(m.notes, m.meter);
    const doc = { ...state.doc, melody: { ...m, bars: phrase } };
    request = { melody: await requestMelody(doc, phrase + bars), bars, temperature: temperature(), topP: null, seed: seed(), explain: true };
  } catch (e) { return showError(e); }
  const phraseBars = request.melody.bars;
  try {
    const response = await busy(() => api.continueMelody(request), { model: true });
    if (stale(version)) return;
    const bar = barQuarters(response.melody.meter ?? request.melody.meter);
    const first = response.answer?.firstBar ?? phraseBars + 1;
    const last = response.answer?.lastBar ?? response.melody.bars;
    commit('answer', doc => {
      applyServerMelody(doc, adopt(response.melody, n => n.start >= (first - 1) * bar - 1e-6));
      doc.answer = { firstBar: first, lastBar: last };
    }, { scored: true });
    advanceSeed();
    const count = state.doc.melody.notes.filter(n => n.start >= (first - 1) * bar - 1e-6).length;
    status(`answer: ${count} notes in bars ${first}–${last} (${fmtMs(response.elapsedMs)} on the server)`, 'ok');
    if (play) playRange((first - 1) * bar, last * bar, () => { if ($('duet').checked) startRecording(); });
  } catch (e) {
    showError(e);
  }
}

async function regenerate() {
  if (state.modelBusy) return;
  if (!state.selection) return status('select bars on the ruler first (click or drag the bar numbers)', 'error');
  stopAll();
  const { first, last } = state.selection;
  const version = state.version;
  let request;
  try {
    request = { melody: await requestMelody(), firstBar: first, lastBar: last, temperature: temperature(), topP: null, seed: seed(), candidates: 16, explain: true };
  } catch (e) { return showError(e); }
  try {
    const response = await busy(() => api.infill(request), { model: true });
    if (stale(version)) return;
    const bar = barQuarters(request.melody.meter);
    const inRange = n => n.start >= (first - 1) * bar - 1e-6 && n.start < last * bar - 1e-6;
    commit('regenerate', doc => applyServerMelody(doc, adopt(response.melody, inRange)), { scored: true });
    advanceSeed();
    status(`regenerated bar${first === last ? ` ${first}` : `s ${first}–${last}`} (${fmtMs(response.elapsedMs)} on the server)`, 'ok');
  } catch (e) {
    showError(e);
  }
}

async function variation() {
  if (state.modelBusy) return;
  stopAll();
  const version = state.version;
  let request;
  try {
    request = { melody: await requestMelody(), amount: Number($('vary-amount').value), rhythm: false, temperature: temperature(), seed: seed(), explain: true };
  } catch (e) { return showError(e); }
  if (request.melody.notes.length === 0) return status('nothing to vary: enter a phrase first', 'error');
  try {
    const response = await busy(() => api.vary(request), { model: true });
    if (stale(version)) return;
    // A note the variation left exactly as it was keeps its origin; a changed one is the model's.
    commit('variation', doc => applyServerMelody(doc, adopt(response.melody, () => false)), { scored: true });
    advanceSeed();
    status(`variation: ${response.changedNotes ?? '?'} notes changed (${fmtMs(response.elapsedMs)} on the server)`, 'ok');
  } catch (e) {
    showError(e);
  }
}

const fmtMs = ms => (typeof ms === 'number' ? `${Math.round(ms)} ms` : 'done');

/** The explanation of the current melody (cached per melody). */
async function explainNow() {
  const melody = await requestMelody();
  if (melody.notes.length === 0) return null;
  const key = JSON.stringify(melody);
  if (!state.explainCache.has(key)) {
    const pending = busy(() => api.explain(melody));
    state.explainCache.set(key, pending);
    pending.catch(() => state.explainCache.delete(key));
    if (state.explainCache.size > 50) state.explainCache.delete(state.explainCache.keys().next().value);
  }
  const result = await state.explainCache.get(key);
  // Annotate the notes (not an edit: probabilities describe the melody, they do not change it).
  if (JSON.stringify(await requestMelody()) === key) {
    const sorted = sortNotes(state.doc.melody.notes);
    for (const e of result.notes ?? []) {
      const n = sorted[e.index];
      if (n) n.probability = e.probability;
    }
    render();
  }
  return { result, sorted: sortNotes(state.doc.melody.notes) };
}

let explainTimer = 0;
function scheduleExplain() {
  clearTimeout(explainTimer);
  explainTimer = setTimeout(() => explainNow().catch(showError), 350);
}

// ---------------------------------------------------------------------------------------------------------------
// Note info: a click on a note shows its probability and the model's top alternatives.

async function showNoteInfo(note) {
  const box = $('note-info');
  if (!note) {
    box.innerHTML = '<h2>Note</h2><p class="muted">Click a note to see how likely the model found it and what it expected instead.</p>';
    return;
  }
  const m = state.doc.melody;
  const bar = barQuarters(m.meter);
  const where = `bar ${Math.floor(note.start / bar + 1e-9) + 1}, beat ${clean((note.start % bar) + 1)}`;
  const head = `<h2>${pitchName(note.pitch)} <span class="muted">(${note.pitch})</span></h2>
    <dl><dt>where</dt><dd>${where}</dd><dt>length</dt><dd>${clean(note.duration)} quarters</dd>
    <dt>by</dt><dd>${note.origin === 'model' ? 'the model' : 'you'}</dd>
    <dt>probability</dt><dd id="note-probability">${note.probability != null ? note.probability.toFixed(3) : '…'}</dd></dl>`;
  box.innerHTML = head + '<p class="muted" id="alternatives">asking the model…</p>';
  box.dataset.noteId = note.id;
  try {
    const explained = await explainNow();
    if (box.dataset.noteId !== String(note.id) || !explained) return;
    const index = explained.sorted.findIndex(n => n.id === note.id);
    const e = (explained.result.notes ?? []).find(x => x.index === index);
    if (!e) { $('alternatives').textContent = 'no explanation for this note'; return; }
    $('note-probability').textContent = `${e.probability.toFixed(3)} (rank ${e.rank}, ${e.surprisalBits.toFixed(2)} bits)`;
    const rows = (e.alternatives ?? []).map(a =>
      `<tr><td>${escapeHtml(a.label)}</td><td style="width:60%"><div class="bar" style="width:${Math.max(2, a.probability * 100).toFixed(1)}%"></div></td><td>${a.probability.toFixed(3)}</td></tr>`);
    $('alternatives').outerHTML = `<h2>The model expected</h2><table id="alternatives-table">${rows.join('')}</table>
      <p class="muted">Uncertainty at this step: ${e.entropyBits.toFixed(2)} bits.</p>`;
  } catch (err) {
    const alt = $('alternatives');
    if (alt) alt.textContent = err.message;
  }
}

const escapeHtml = s => String(s).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

let roll;

function pitchRange() {
  let min = state.model.minPitch ?? 48, max = state.model.maxPitch ?? 84;
  for (const n of state.doc.melody.notes) { min = Math.min(min, n.pitch); max = Math.max(max, n.pitch); }
  return { min, max };
}

/** The grid and the note length chosen (from the model's note lengths); a quarter until the model has loaded. */
const gridStep = () => Number($('grid').value) || 1;
const noteLength = () => Number($('length').value) || gridStep();

function render() {
  const m = state.doc.melody;
  const chords = chordsNow(state.doc.chordsText, m.meter, m.bars) ?? [];
  const { min, max } = pitchRange();
  roll.render({
    meter: m.meter, bars: m.bars, notes: m.notes, chords, minPitch: min, maxPitch: max,
    grid: gridStep(), length: noteLength(), colourMode: state.colourMode,
    selection: state.selection, answer: state.doc.answer, selectedIds: state.selectedIds,
  });
  const sel = state.selection;
  $('selection-label').textContent = sel ? (sel.first === sel.last ? `bar ${sel.first}` : `bars ${sel.first}–${sel.last}`) : 'no bars selected';
  updateBusy();
}

function renderLegend() {
  const legend = $('legend');
  legend.innerHTML = state.colourMode === 'probability'
    ? '<span class="muted">unlikely</span><span class="gradient"></span><span class="muted">likely</span><span class="swatch" style="background:#9aa3ad"></span><span class="muted">not scored yet</span>'
    : `<span class="swatch" style="background:${ORIGIN_COLOURS.user}"></span>you<span class="swatch" style="background:${ORIGIN_COLOURS.model}"></span>the model`;
}

function syncControls() {
  const m = state.doc.melody;
  ensureOption($('key'), m.key);
  $('key').value = m.key;
  ensureOption($('meter'), m.meter);
  $('meter').value = m.meter;
  $('tempo').value = String(m.tempo);
  $('bars').value = String(m.bars);
  $('bars').min = String(barsNeeded(m.notes, m.meter));
  ensureOption($('style'), m.style ?? '');
  $('style').value = m.style ?? '';
  if (document.activeElement !== $('chords')) $('chords').value = state.doc.chordsText;
}

function ensureOption(select, value) {
  if ([...select.options].some(o => o.value === value)) return;
  const o = document.createElement('option');
  o.value = value;
  o.textContent = value;
  select.appendChild(o);
}

// ---------------------------------------------------------------------------------------------------------------
// Notation (abcjs renders the ABC the server writes) and downloads.

let notationTimer = 0;
let notationVersion = 0;
function scheduleNotation() {
  clearTimeout(notationTimer);
  notationTimer = setTimeout(renderNotation, 250);
}

async function renderNotation() {
  const version = ++notationVersion;
  const box = $('notation');
  let melody;
  try { melody = await requestMelody(); } catch (e) { box.innerHTML = `<p class="unavailable">${escapeHtml(e.message)}</p>`; return; }
  try {
    const { blob } = await api.exportMelody(melody, 'abc');
    const abc = await blob.text();
    if (version !== notationVersion) return;
    if (!window.ABCJS) {
      box.innerHTML = '<p class="unavailable" id="notation-unavailable">notation unavailable (abcjs is installed by the build when npm is on PATH)</p><pre></pre>';
      box.querySelector('pre').textContent = abc;
      return;
    }
    box.innerHTML = '';
    window.ABCJS.renderAbc(box, abc, { add_classes: true, staffwidth: Math.max(400, box.clientWidth - 40), paddingleft: 0, paddingright: 0 });
    box.dataset.abc = abc;
  } catch (e) {
    if (version === notationVersion) box.innerHTML = `<p class="unavailable">notation: ${escapeHtml(e.message)}</p>`;
  }
}

async function download(format) {
  try {
    const melody = await requestMelody();
    const { blob, filename } = await busy(() => api.exportMelody(melody, format));
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status(`downloaded ${filename}`, 'ok');
  } catch (e) {
    showError(e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Playback, metronome, recording and duet.

const audio = new AudioEngine();
let playheadFrame = 0;

function followPlayhead(transport) {
  cancelAnimationFrame(playheadFrame);
  const tick = () => {
    if (!transport.running) { roll.setPlayhead(null); return; }
    roll.setPlayhead(transport.now());
    playheadFrame = requestAnimationFrame(tick);
  };
  playheadFrame = requestAnimationFrame(tick);
}

function playRange(from, to, onEnd = null) {
  const m = state.doc.melody;
  const t = audio.start({ tempo: m.tempo, meter: m.meter, from, to, notes: m.notes, metronome: $('metronome').checked, onEnd });
  if (!t) return status('this browser has no Web Audio', 'error');
  $('play').classList.add('active');
  followPlayhead(t);
}

function play() {
  if (audio.transport) { stopAll(); return; }
  const m = state.doc.melody;
  const bar = barQuarters(m.meter);
  const sel = state.selection;
  playRange(sel ? (sel.first - 1) * bar : 0, sel ? sel.last * bar : m.bars * bar);
}

function stopAll() {
  if (state.recording) stopRecording();
  audio.stop();
  roll.setPlayhead(null);
  $('play').classList.remove('active');
}

/** Records what is played (on-screen keyboard, computer keys, MIDI) against the metronome, quantized to the grid. */
function startRecording() {
  if (state.recording) return;
  stopAll();
  const m = state.doc.melody;
  const bar = barQuarters(m.meter);
  const end = m.notes.reduce((e, n) => Math.max(e, n.start + n.duration), 0);
  const from = m.notes.length === 0 ? 0 : Math.ceil(end / bar - 1e-9) * bar;
  const t = audio.start({ tempo: m.tempo, meter: m.meter, from, to: null, notes: [], metronome: $('metronome').checked, countIn: 1 });
  if (!t) return status('this browser has no Web Audio', 'error');
  state.recording = { transport: t, before: snapshot(), held: new Map(), from, lastActivity: from, added: 0 };
  $('record').classList.add('active');
  followPlayhead(t);
  status(`recording from bar ${from / bar + 1} after a bar of count-in${$('duet').checked ? '; stop playing for a bar and the model answers' : ''}`);
  state.recording.timer = setInterval(checkDuet, 50);
}

function stopRecording() {
  const r = state.recording;
  if (!r) return;
  state.recording = null;
  clearInterval(r.timer);
  const now = r.transport.now();
  for (const [pitch, start] of r.held) addRecorded(r, pitch, start, now);
  r.transport.stop();
  $('record').classList.remove('active');
  if (r.added > 0) {
    // One undo step for the whole take.
    history.past.push(r.before);
    history.future = [];
    const m = state.doc.melody;
    m.bars = Math.max(barsNeeded(m.notes, m.meter), Math.ceil(r.from / barQuarters(m.meter)) + 1);
    for (const n of m.notes) delete n.probability;
    afterChange('record');
    status(`recorded ${r.added} notes`, 'ok');
  } else {
    render();
    status('recording stopped');
  }
}

function addRecorded(r, pitch, startQ, endQ) {
  const m = state.doc.melody;
  const grid = gridStep();
  const start = Math.max(r.from, snap(startQ, grid));
  let end = snap(endQ, grid);
  if (end <= start) end = clean(start + grid);
  const note = withId({ pitch, start, duration: clean(end - start), origin: 'recorded' });
  m.notes = monophonic([...m.notes, note], note.id);
  m.bars = Math.max(m.bars, barsNeeded(m.notes, m.meter));
  r.added++;
  render();
}

function checkDuet() {
  const r = state.recording;
  if (!r || !$('duet').checked || r.added === 0 || r.held.size > 0) return;
  const m = state.doc.melody;
  if (r.transport.now() - r.lastActivity >= barQuarters(m.meter)) {
    // The musician stopped for a bar: the phrase ends at its last bar, and the model answers it.
    stopRecording();
    commitSilently(doc => { doc.melody.bars = barsNeeded(doc.melody.notes, doc.melody.meter); });
    answer({ play: true });
  }
}

/** Changes the document without a separate undo step (folds into the step just recorded). */
function commitSilently(change) {
  change(state.doc);
  afterChange('adjust');
}

// ---------------------------------------------------------------------------------------------------------------
// Playing notes: on-screen keyboard, computer keyboard, MIDI. While recording they are recorded; otherwise each note
// is entered step by step after the last note, with the chosen note length.

const sounding = new Map();

function notePressed(pitch) {
  if (audio.ensure()) {
    if (sounding.has(pitch)) audio.release(sounding.get(pitch));
    sounding.set(pitch, audio.voice(pitch));
  }
  const r = state.recording;
  if (r) {
    r.held.set(pitch, r.transport.now());
    r.lastActivity = Math.max(r.lastActivity, r.transport.now());
    return;
  }
  const m = state.doc.melody;
  const end = m.notes.reduce((e, n) => Math.max(e, n.start + n.duration), 0);
  const length = noteLength();
  const maxBars = state.model.limits.maxBars ?? 64;
  if (end + length > maxBars * barQuarters(m.meter) + 1e-9) return status(`the melody is at most ${maxBars} bars`, 'error');
  const note = withId({ pitch, start: clean(end), duration: clean(length), origin: 'user' });
  commit('enter note', doc => { doc.melody.notes = [...doc.melody.notes, note]; });
}

function noteReleased(pitch) {
  if (sounding.has(pitch)) {
    audio.release(sounding.get(pitch));
    sounding.delete(pitch);
  }
  const r = state.recording;
  if (r && r.held.has(pitch)) {
    const start = r.held.get(pitch);
    r.held.delete(pitch);
    const now = r.transport.now();
    r.lastActivity = now;
    if (now > -0.25) addRecorded(r, pitch, start, now);
  }
}

async function connectMidi() {
  if (!navigator.requestMIDIAccess) {
    $('midi-status').textContent = 'no Web MIDI in this browser';
    return;
  }
  try {
    const access = await navigator.requestMIDIAccess({ sysex: false });
    const attach = () => {
      let count = 0;
      for (const input of access.inputs.values()) {
        input.onmidimessage = onMidiMessage;
        count++;
      }
      $('midi-status').textContent = count === 0 ? 'no MIDI input connected' : `MIDI: ${count} input${count > 1 ? 's' : ''}`;
    };
    access.onstatechange = attach;
    attach();
  } catch (e) {
    $('midi-status').textContent = `MIDI refused (${e.message || e.name})`;
  }
}

function onMidiMessage(e) {
  const [statusByte, pitch, velocity] = e.data;
  const kind = statusByte & 0xf0;
  if (kind === 0x90 && velocity > 0) { keyboard.light(pitch, true); notePressed(pitch); }
  else if (kind === 0x80 || (kind === 0x90 && velocity === 0)) { keyboard.light(pitch, false); noteReleased(pitch); }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring.

let keyboard;

function deleteSelected() {
  if (state.selectedIds.size === 0) return false;
  const ids = new Set(state.selectedIds);
  commit('delete notes', doc => { doc.melody.notes = doc.melody.notes.filter(n => !ids.has(n.id)); });
  state.selectedIds.clear();
  showNoteInfo(null);
  return true;
}

function setupControls() {
  const melodyField = (id, apply) => $(id).addEventListener('change', () => {
    try {
      commit(id, doc => apply(doc.melody, $(id).value));
    } catch (e) { showError(e); }
  });
  melodyField('key', (m, v) => { m.key = v; });
  melodyField('meter', (m, v) => { m.meter = v; });
  melodyField('tempo', (m, v) => { m.tempo = Math.max(20, Math.min(400, Math.round(Number(v) || 100))); });
  melodyField('bars', (m, v) => {
    const want = Math.max(1, Math.min(state.model.limits.maxBars ?? 64, Math.round(Number(v) || 1)));
    m.bars = Math.max(want, barsNeeded(m.notes, m.meter));
    if (m.bars > want) status(`the notes need ${m.bars} bars`, 'error');
  });
  melodyField('style', (m, v) => { m.style = v || null; });
  $('chords').addEventListener('change', async () => {
    // The server reads the text (POST /api/chords); a text it refuses is reported and not kept.
    const text = $('chords').value;
    const { meter, bars } = state.doc.melody;
    try {
      await chordsFor(text, meter, bars);
      commit('chords', doc => { doc.chordsText = text; });
    } catch (e) { showError(e); }
  });
  $('grid').addEventListener('change', render);
  $('temperature').addEventListener('input', () => { $('temperature-value').textContent = Number($('temperature').value).toFixed(2); });
  $('vary-amount').addEventListener('input', () => { $('vary-amount-value').textContent = Number($('vary-amount').value).toFixed(2); });
  $('colour-mode').addEventListener('change', () => {
    state.colourMode = $('colour-mode').value;
    renderLegend();
    render();
    if (state.colourMode === 'probability') explainNow().catch(showError);
  });
  $('seed-dice').addEventListener('click', () => { $('seed').value = String(Math.floor(Math.random() * 1000000)); });

  $('play').addEventListener('click', play);
  $('stop').addEventListener('click', stopAll);
  $('record').addEventListener('click', () => (state.recording ? stopRecording() : startRecording()));
  $('midi-connect').addEventListener('click', connectMidi);
  if (!navigator.requestMIDIAccess) {
    $('midi-connect').disabled = true;
    $('midi-status').textContent = 'no Web MIDI in this browser';
  }
  $('undo').addEventListener('click', undo);
  $('redo').addEventListener('click', redo);
  $('clear').addEventListener('click', () => {
    stopAll();
    commit('clear', doc => { doc.melody.notes = []; doc.answer = null; });
  });
  $('answer').addEventListener('click', () => answer());
  $('regenerate').addEventListener('click', regenerate);
  $('vary').addEventListener('click', variation);
  for (const format of ['mid', 'abc', 'musicxml', 'wav']) $(`download-${format}`).addEventListener('click', () => download(format));

  document.addEventListener('keydown', e => {
    const inField = e.target.closest && e.target.closest('input, select, textarea');
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && e.key.toLowerCase() === 'z') {
      if (inField && e.target.type === 'text') return;
      e.preventDefault();
      return e.shiftKey ? redo() : undo();
    }
    if (mod && !e.altKey && e.key.toLowerCase() === 'y') { e.preventDefault(); return redo(); }
    if (inField || mod || e.altKey) return;
    if (e.key === 'Delete' || e.key === 'Backspace') { if (deleteSelected()) e.preventDefault(); return; }
    if (e.key === 'Escape') { state.selection = null; state.selectedIds.clear(); showNoteInfo(null); render(); return; }
    if (e.key === ' ' && !(e.target.closest && e.target.closest('button'))) { e.preventDefault(); play(); return; }
    if (keyboard.keyDown(e)) e.preventDefault();
  });
  document.addEventListener('keyup', e => { keyboard.keyUp(e); });
}

/** Fills the key, meter, style, grid and note-length controls from GET /api/model. */
function fillControls(model) {
  setMeters(model.meters);
  $('key').innerHTML = '';
  const groups = new Map();
  for (const k of model.keys ?? []) {
    if (!groups.has(k.mode)) {
      const group = document.createElement('optgroup');
      group.label = k.mode;
      $('key').appendChild(group);
      groups.set(k.mode, group);
    }
    const o = document.createElement('option');
    o.value = k.name;
    o.textContent = k.name;
    groups.get(k.mode).appendChild(o);
  }
  const meters = (model.meters ?? []).map(m => m.name);
  $('meter').innerHTML = '';
  for (const m of meters) ensureOption($('meter'), m);
  const melody = state.doc.melody;
  if (meters.length > 0 && !meters.includes(melody.meter)) melody.meter = meters.includes('4/4') ? '4/4' : meters[0];
  $('style').innerHTML = '<option value="">(none)</option>';
  for (const s of model.styles ?? []) ensureOption($('style'), s);
  // The grid offers the model's note lengths up to a quarter, the note length up to a half note.
  const lengths = model.noteLengths ?? [];
  for (const [id, longest, preferred] of [['grid', 1, 0.25], ['length', 2, 0.5]]) {
    const select = $(id);
    select.innerHTML = '';
    const offered = lengths.filter(l => l.quarters <= longest + 1e-9);
    for (const l of offered) {
      const o = document.createElement('option');
      o.value = String(l.quarters);
      o.textContent = l.label;
      select.appendChild(o);
    }
    const best = offered.reduce((b, l) => (b === null || Math.abs(l.quarters - preferred) < Math.abs(b.quarters - preferred) ? l : b), null);
    if (best) select.value = String(best.quarters);
  }
  const limits = model.limits ?? {};
  if (limits.minTempo) $('tempo').min = String(limits.minTempo);
  if (limits.maxTempo) $('tempo').max = String(limits.maxTempo);
  $('chords').title = 'Chord symbols separated by spaces, one bar each; G:2 lasts two beats of the meter '
    + '(a beat is a dotted quarter in 6/8), as melos generate --chords reads them';
}

async function loadModel() {
  try {
    const info = await busy(() => api.getModel());
    state.model = { ...state.model, ...info, limits: info.limits ?? {} };
    $('model-name').textContent = `model: ${info.name ?? 'unnamed'} (${info.architecture ?? '?'}, ${info.tokenizer ?? '?'} tokens)`;
    fillControls(state.model);
    if (info.limits?.maxAnswerBars) $('answer-bars').max = String(info.limits.maxAnswerBars);
    if (info.limits?.maxBars) $('bars').max = String(info.limits.maxBars);
    status('ready: play or click a phrase, then ask for an answer');
  } catch (e) {
    $('model-name').textContent = 'model: unavailable';
    showError(e);
  }
  keyboard.build(state.model.minPitch ?? 48, state.model.maxPitch ?? 84);
  syncControls();
  render();
  scheduleNotation();
}

function init() {
  roll = new PianoRoll($('roll-host'), {
    labels: $('roll-labels'),
    onCommit: (notes, label, isNew) => {
      const added = isNew ? notes[notes.length - 1] : null;
      const list = added && added.id === undefined ? [...notes.slice(0, -1), withId(added)] : notes;
      const keep = added ? list[list.length - 1].id : [...state.selectedIds][0] ?? null;
      commit(label, doc => { doc.melody.notes = monophonic(list, keep); });
      if (added) { state.selectedIds = new Set([keep]); render(); }
    },
    onSelectBars: range => { state.selection = range; render(); },
    onNoteClick: (note, extend) => {
      if (extend) state.selectedIds.add(note.id); else state.selectedIds = new Set([note.id]);
      render();
      showNoteInfo(note);
    },
    onAudition: pitch => audio.audition(pitch, 0.25),
  });
  keyboard = new Keyboard($('keyboard'), { onPress: notePressed, onRelease: noteReleased });
  setupControls();
  setupMorph({ requestMelody: () => requestMelody(), commit, play, status, showError, busy, withId });
  renderLegend();
  syncControls();
  render();
  loadModel();
  window.addEventListener('resize', () => render());
  // For tests and the curious: the current document, read-only.
  // `melody` is a promise (the chords' layout is the server's).
  window.melosStudio = { get melody() { return requestMelody(); }, get doc() { return snapshot(); } };
}

init();
