// The on-screen keyboard: buttons for each key of the model's range; press and release report to the owner.
// The computer keyboard plays it too (A W S E D F T G Y H U J K = C to C of the middle octave, Z/X octave down/up).

import { isBlack, pitchName } from './music.js';

const LETTERS = ['a', 'w', 's', 'e', 'd', 'f', 't', 'g', 'y', 'h', 'u', 'j', 'k', 'o', 'l', 'p', ';'];

export class Keyboard {
  constructor(host, { onPress, onRelease }) {
    this.host = host;
    this.onPress = onPress;
    this.onRelease = onRelease;
    this.down = new Map();
    this.octave = 60;
    this.lettersDown = new Map();
    host.addEventListener('pointerdown', e => {
      const key = e.target.closest('.key');
      if (!key || e.button !== 0) return;
      e.preventDefault();
      try { key.releasePointerCapture(e.pointerId); } catch { /* fine */ }
      this.press(Number(key.dataset.pitch), e.pointerId);
    });
    const up = e => this.releasePointer(e.pointerId);
    host.addEventListener('pointerup', up);
    host.addEventListener('pointercancel', up);
    host.addEventListener('pointerleave', up);
    host.addEventListener('pointerover', e => {
      // Glissando: dragging over the keys with the button down.
      const key = e.target.closest('.key');
      if (!key || e.buttons !== 1 || !this.down.has(e.pointerId)) return;
      const pitch = Number(key.dataset.pitch);
      if (this.down.get(e.pointerId) === pitch) return;
      this.releasePointer(e.pointerId);
      this.press(pitch, e.pointerId);
    });
  }

  /** Builds the keys from low to high (MIDI pitches, inclusive). */
  build(low, high) {
    while (isBlack(low)) low--;
    while (isBlack(high)) high++;
    this.low = low;
    this.high = high;
    const whites = [];
    for (let p = low; p <= high; p++) if (!isBlack(p)) whites.push(p);
    const w = 100 / whites.length;
    const parts = [];
    let i = 0;
    for (let p = low; p <= high; p++) {
      if (isBlack(p)) {
        parts.push(`<button type="button" tabindex="-1" class="key black" id="key-${p}" data-pitch="${p}" title="${pitchName(p)}" style="left:${(i - 0.32) * w}%;width:${w * 0.64}%"></button>`);
      } else {
        parts.push(`<button type="button" tabindex="-1" class="key white" id="key-${p}" data-pitch="${p}" title="${pitchName(p)}" style="left:${i * w}%;width:${w}%">${p % 12 === 0 ? `<span>${pitchName(p)}</span>` : ''}</button>`);
        i++;
      }
    }
    this.host.innerHTML = parts.join('');
  }

  press(pitch, source) {
    this.down.set(source, pitch);
    this.light(pitch, true);
    this.onPress(pitch);
  }

  releasePointer(source) {
    if (!this.down.has(source)) return;
    const pitch = this.down.get(source);
    this.down.delete(source);
    this.light(pitch, false);
    this.onRelease(pitch);
  }

  /** Shows a key as held (also for notes from MIDI input). */
  light(pitch, on) {
    const key = this.host.querySelector(`#key-${pitch}`);
    if (key) key.classList.toggle('down', on);
  }

  /** Computer keyboard: returns true when the event was a note key. */
  keyDown(e) {
    const k = e.key.toLowerCase();
    if (k === 'z' || k === 'x') {
      this.octave = Math.max(this.low ?? 36, Math.min((this.high ?? 96) - 12, this.octave + (k === 'z' ? -12 : 12)));
      return true;
    }
    const i = LETTERS.indexOf(k);
    if (i < 0) return false;
    if (e.repeat || this.lettersDown.has(k)) return true;
    const pitch = this.octave + i;
    this.lettersDown.set(k, pitch);
    this.press(pitch, 'key:' + k);
    return true;
  }

  keyUp(e) {
    const k = e.key.toLowerCase();
    if (!this.lettersDown.has(k)) return false;
    this.lettersDown.delete(k);
    this.releasePointer('key:' + k);
    return true;
  }
}
