// The morph control: "Set A" keeps the current phrase as A; "Morph A → this" asks POST /api/morph for the steps from A
// to the current phrase through the VAE's latent space, puts them one after another in the editor (undo brings the
// phrase back) and plays them bar by bar.

import { barQuarters } from './music.js';

const $ = id => document.getElementById(id);

/** Wires the control; `studio` gives the page's own functions (requestMelody, commit, play, status, showError, busy). */
export function setupMorph(studio) {
  let a = null;
  const label = $('morph-a');
  $('morph-set-a').addEventListener('click', async () => {
    try {
      a = await studio.requestMelody();
    } catch (e) { return studio.showError(e); }
    label.textContent = `A: ${a.bars} bars, ${a.notes.length} notes`;
    studio.status('A kept: change or load another phrase, then morph A → this', 'ok');
  });
  $('morph').addEventListener('click', async () => {
    if (!a) return studio.status('set A first: the phrase to morph from', 'error');
    let b;
    try {
      b = await studio.requestMelody();
    } catch (e) { return studio.showError(e); }
    if (b.notes.length === 0) return studio.status('nothing to morph to: enter a phrase first', 'error');
    const steps = Math.max(2, Math.min(16, Math.floor(Number($('morph-steps').value) || 5)));
    try {
      const r = await studio.busy(() => morph({ a, b, steps }), { model: true });
      const bar = barQuarters(a.meter);
      const span = r.bars * bar;
      const notes = r.steps.flatMap((s, i) => s.melody.notes.map(n => ({ pitch: n.pitch, start: n.start + i * span, duration: n.duration })));
      studio.commit('morph', doc => {
        doc.melody = { ...doc.melody, key: a.key, meter: a.meter, bars: r.steps.length * r.bars, notes: notes.map(studio.withId).map(n => ({ ...n, origin: 'model' })) };
      });
      const extra = r.notes.length ? ` (${r.notes.join('; ')})` : '';
      studio.status(`morph: ${r.steps.length} steps of ${r.bars} bars from A to this, by ${r.model}${extra}; playing`, 'ok');
      studio.play();
    } catch (e) {
      studio.showError(e);
    }
  });
}

/** POST /api/morph: { steps: [{ position, melody }], bars, notes, model, elapsedMs }. */
export async function morph(body) {
  const response = await fetch('/api/morph', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    let detail = `${response.status}`;
    try { detail = (await response.json()).detail ?? detail; } catch { /* keep the status */ }
    throw new Error(detail);
  }
  return response.json();
}
