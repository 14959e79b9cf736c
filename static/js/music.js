// music.js — 背景音乐 background music, synthesised with the Web Audio API: each music
// id is a short melody loop played by a small triangle-wave voice. No audio files.
// Starts only from a user gesture (browsers block autoplay); stop() when leaving.

const N = (name) => {
  // "C4" "F#5" "Bb4" -> MIDI number
  const m = /^([A-G])([#b]?)(\d)$/.exec(name);
  const base = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 }[m[1]];
  return 12 * (Number(m[3]) + 1) + base + (m[2] === '#' ? 1 : m[2] === 'b' ? -1 : 0);
};
const seq = (text) => text.trim().split(/\s+/).map((tok) => {
  const [note, beats] = tok.split(':');
  return [note === '-' ? null : N(note), Number(beats || 1)];
});

export const SONGS = {
  canon: { name: '卡农 Canon', bpm: 92, wave: 'triangle',
    notes: seq('F#5:2 E5:2 D5:2 C#5:2 B4:2 A4:2 B4:2 C#5:2 D5 C#5 B4 A4 G4 F#4 G4 E4 D4 F#4 A4 G4 F#4 D4 F#4:2') },
  twinkle: { name: '小星星 Twinkle', bpm: 112, wave: 'sine',
    notes: seq('C5 C5 G5 G5 A5 A5 G5:2 F5 F5 E5 E5 D5 D5 C5:2 G5 G5 F5 F5 E5 E5 D5:2 G5 G5 F5 F5 E5 E5 D5:2') },
  jasmine: { name: '茉莉花 Jasmine', bpm: 76, wave: 'triangle',
    notes: seq('E5 E5:0.5 G5:0.5 A5:0.5 C6:0.5 C6:0.5 A5:0.5 G5 G5:0.5 A5:0.5 G5:2 E5 E5:0.5 G5:0.5 A5:0.5 C6:0.5 C6:0.5 A5:0.5 G5 G5:0.5 A5:0.5 G5:2 G5 G5 G5 E5:0.5 G5:0.5 A5 A5 G5:2') },
  birthday: { name: '生日快乐 Happy Birthday', bpm: 120, wave: 'square',
    notes: seq('G4:0.75 G4:0.25 A4 G4 C5 B4:2 G4:0.75 G4:0.25 A4 G4 D5 C5:2 G4:0.75 G4:0.25 G5 E5 C5 B4 A4:2 F5:0.75 F5:0.25 E5 C5 D5 C5:2 -:1') },
};

/** The song for a music id, or null ('none' and unknown ids). */
export const songOf = (id) => (Object.hasOwn(SONGS, id || '') ? SONGS[id] : null);

let ctx = null;
let master = null;
let current = null; // {id, timer, idx, next}
const listeners = new Set();

export const onMusicChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
const notify = () => { for (const fn of listeners) fn(current ? current.id : null); };

export const playingId = () => (current ? current.id : null);

function voice(midi, start, dur, wave) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = wave;
  osc.frequency.value = 440 * 2 ** ((midi - 69) / 12);
  const peak = wave === 'square' ? 0.05 : 0.14;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(peak, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + Math.max(0.08, dur * 0.95));
  osc.connect(gain).connect(master);
  osc.start(start);
  osc.stop(start + dur + 0.05);
}

/** Start looping `id` (stopping anything else). Returns false when there is nothing to play. */
export function play(id) {
  stop();
  const song = songOf(id);
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!song || !AC) return false;
  if (!ctx) {
    ctx = new AC();
    master = ctx.createGain();
    master.gain.value = 0.6;
    master.connect(ctx.destination);
  }
  if (ctx.state === 'suspended') ctx.resume();
  const beat = 60 / song.bpm;
  current = { id, idx: 0, next: ctx.currentTime + 0.05, timer: null };
  const tick = () => {
    if (!current || current.id !== id) return;
    while (current.next < ctx.currentTime + 0.3) {
      const [midi, beats] = song.notes[current.idx];
      if (midi !== null) voice(midi, current.next, beats * beat, song.wave);
      current.next += beats * beat;
      current.idx = (current.idx + 1) % song.notes.length;
    }
    current.timer = setTimeout(tick, 100);
  };
  tick();
  notify();
  return true;
}

export function stop() {
  if (!current) return;
  clearTimeout(current.timer);
  current = null;
  if (master && ctx) {
    // cut what is already scheduled: swap in a fresh master gain
    master.disconnect();
    master = ctx.createGain();
    master.gain.value = 0.6;
    master.connect(ctx.destination);
  }
  notify();
}

export function toggle(id) {
  if (current && current.id === id) { stop(); return false; }
  return play(id);
}
