// Sound in the page with Web Audio only: oscillators with an envelope for notes, short clicks for the metronome.
// No samples and nothing fetched: it works offline.

import { barQuarters, beatQuarters } from './music.js';

const midiToHz = p => 440 * Math.pow(2, (p - 69) / 12);

export class AudioEngine {
  constructor() {
    this.ctx = null;
    this.master = null;
    this.transport = null;
  }

  /** Creates (on the first user gesture) and resumes the audio context; null where Web Audio is missing. */
  ensure() {
    if (!this.ctx) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      this.ctx = new Ctx();
      this.master = this.ctx.createGain();
      this.master.gain.value = 0.5;
      const filter = this.ctx.createBiquadFilter();
      filter.type = 'lowpass';
      filter.frequency.value = 5000;
      this.master.connect(filter).connect(this.ctx.destination);
    }
    if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  /** Starts a voice now or at `when` (context seconds); returns a handle for release(). */
  voice(pitch, when, velocity = 0.8) {
    const ctx = this.ctx;
    const t = Math.max(when ?? ctx.currentTime, ctx.currentTime);
    const env = ctx.createGain();
    env.gain.setValueAtTime(0, t);
    env.gain.linearRampToValueAtTime(0.32 * velocity, t + 0.008);
    env.gain.exponentialRampToValueAtTime(0.18 * velocity, t + 0.18);
    const osc = ctx.createOscillator();
    osc.type = 'triangle';
    osc.frequency.value = midiToHz(pitch);
    const overtone = ctx.createOscillator();
    overtone.type = 'sine';
    overtone.frequency.value = midiToHz(pitch) * 2;
    const overtoneGain = ctx.createGain();
    overtoneGain.gain.value = 0.25;
    osc.connect(env);
    overtone.connect(overtoneGain).connect(env);
    env.connect(this.master);
    osc.start(t);
    overtone.start(t);
    return { env, oscs: [osc, overtone], start: t };
  }

  /** Releases a voice at `when` (context seconds) with a short fade. */
  release(v, when) {
    const ctx = this.ctx;
    const t = Math.max(when ?? ctx.currentTime, v.start + 0.02, ctx.currentTime);
    v.env.gain.cancelScheduledValues(t);
    v.env.gain.setTargetAtTime(0, t, 0.04);
    for (const o of v.oscs) o.stop(t + 0.3);
  }

  /** Stops a voice at once (for Stop). */
  silence(v) {
    try {
      const now = this.ctx.currentTime;
      v.env.gain.cancelScheduledValues(now);
      v.env.gain.setValueAtTime(0, now);
      for (const o of v.oscs) o.stop(now + 0.01);
    } catch { /* already stopped */ }
  }

  /** A note played now for `seconds` (audition while editing). */
  audition(pitch, seconds = 0.3) {
    if (!this.ensure()) return;
    const v = this.voice(pitch);
    this.release(v, this.ctx.currentTime + seconds);
  }

  /** One metronome click at `when`; accented on the downbeat. */
  click(when, accent) {
    const ctx = this.ctx;
    const osc = ctx.createOscillator();
    const env = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = accent ? 1760 : 1175;
    env.gain.setValueAtTime(0, when);
    env.gain.linearRampToValueAtTime(accent ? 0.35 : 0.2, when + 0.002);
    env.gain.exponentialRampToValueAtTime(0.001, when + 0.05);
    osc.connect(env).connect(this.master);
    osc.start(when);
    osc.stop(when + 0.06);
    return { env, oscs: [osc], start: when };
  }

  /**
   * Starts the transport: plays `notes` from quarter `from` to `to` (null: until stop()), with metronome clicks when
   * `metronome`, after `countIn` bars of clicks. Returns { now(), stop(), running }, where now() is the position in
   * quarters (negative during the count-in). `onEnd` runs when `to` is reached.
   */
  start({ tempo, meter, from = 0, to = null, notes = [], metronome = false, countIn = 0, onEnd = null }) {
    if (!this.ensure()) return null;
    this.stop();
    const ctx = this.ctx;
    const spq = 60 / tempo;
    const bar = barQuarters(meter);
    const beat = beatQuarters(meter);
    const origin = from - countIn * bar;
    const t0 = ctx.currentTime + 0.08;
    const timeOf = q => t0 + (q - origin) * spq;
    const voices = [];
    for (const n of notes) {
      const end = n.start + n.duration;
      if (end <= from || (to !== null && n.start >= to)) continue;
      const s = Math.max(n.start, from);
      const v = this.voice(n.pitch, timeOf(s), 0.8);
      this.release(v, timeOf(to === null ? end : Math.min(end, to)));
      voices.push(v);
    }
    // Clicks are scheduled a little ahead, so an endless transport (recording) keeps clicking.
    let nextBeat = Math.ceil((origin - 1e-9) / beat) * beat;
    const schedule = () => {
      const horizon = ctx.currentTime + 0.25;
      while (timeOf(nextBeat) < horizon && (to === null || nextBeat < to - 1e-9)) {
        if (metronome || nextBeat < from - 1e-9) {
          const downbeat = Math.abs(nextBeat / bar - Math.round(nextBeat / bar)) < 1e-6;
          voices.push(this.click(timeOf(nextBeat), downbeat));
        }
        nextBeat += beat;
      }
      if (voices.length > 512) voices.splice(0, voices.length - 512);
    };
    schedule();
    const timer = setInterval(() => {
      schedule();
      if (to !== null && transport.now() >= to) {
        transport.stop();
        if (onEnd) onEnd();
      }
    }, 25);
    const transport = {
      running: true,
      tempo,
      timeOf,
      now: () => origin + (ctx.currentTime - t0) / spq,
      stop: () => {
        if (!transport.running) return;
        transport.running = false;
        clearInterval(timer);
        for (const v of voices) this.silence(v);
        if (this.transport === transport) this.transport = null;
      },
    };
    this.transport = transport;
    return transport;
  }

  /** Stops the running transport, if any. */
  stop() {
    if (this.transport) this.transport.stop();
  }
}
