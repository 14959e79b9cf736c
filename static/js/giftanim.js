// giftanim.js — the full-screen gift animations. Each catalog animation id has its own
// scene (CSS keyframes in style.css keyed by .gift-anim[data-animation=ID], or a canvas
// for fireworks). Scenes play one at a time from a queue; under prefers-reduced-motion
// the card shows without moving parts. Owns no state beyond the queue.

import { el, reducedMotion } from './dom.js';

export const GIFT_ICONS = {
  rose: '🌹', cake: '🎂', balloon: '🎈', teddy: '🧸', fireworks: '🎆', star: '⭐', crown: '👑', rocket: '🚀',
};

export const giftIcon = (id) => (Object.hasOwn(GIFT_ICONS, id || '') ? GIFT_ICONS[id] : '🎁');

const rand = (a, b) => a + Math.random() * (b - a);

function particles(stage, n, cls, glyphs, setup) {
  for (let i = 0; i < n; i += 1) {
    const p = el('span', { class: ['particle', cls], 'aria-hidden': 'true', text: glyphs ? glyphs[i % glyphs.length] : '' });
    setup(p.style, i);
    stage.appendChild(p);
  }
}

const SCENES = {
  rose(stage) {
    stage.appendChild(el('div', { class: 'hero hero-rose', text: '🌹' }));
    particles(stage, 18, 'petal', null, (s) => {
      s.setProperty('--x', `${rand(0, 100)}vw`); s.setProperty('--drift', `${rand(-15, 15)}vw`);
      s.setProperty('--d', `${rand(0, 1.2)}s`); s.setProperty('--t', `${rand(2, 3)}s`); s.setProperty('--r', `${rand(180, 720)}deg`);
    });
  },
  cake(stage) {
    stage.appendChild(el('div', { class: 'hero hero-cake' }, el('span', { class: 'cake-emoji', text: '🎂' }),
      el('span', { class: 'flames', 'aria-hidden': 'true' }, el('i', { class: 'flame' }), el('i', { class: 'flame' }), el('i', { class: 'flame' }))));
    particles(stage, 30, 'sprinkle', null, (s, i) => {
      s.setProperty('--x', `${rand(10, 90)}vw`); s.setProperty('--d', `${rand(0.4, 1.4)}s`);
      s.setProperty('--hue', String((i * 47) % 360)); s.setProperty('--r', `${rand(-360, 360)}deg`);
    });
  },
  balloon(stage) {
    particles(stage, 14, 'balloon-b', null, (s, i) => {
      s.setProperty('--x', `${rand(2, 92)}vw`); s.setProperty('--d', `${rand(0, 1)}s`); s.setProperty('--t', `${rand(2.2, 3)}s`);
      s.setProperty('--hue', String((i * 53) % 360)); s.setProperty('--sway', `${rand(-6, 6)}vw`);
    });
  },
  teddy(stage) {
    stage.appendChild(el('div', { class: 'hero hero-teddy', text: '🧸' }));
    particles(stage, 12, 'heart-pop', ['💕', '💖', '💗'], (s) => {
      s.setProperty('--dx', `${rand(-30, 30)}vw`); s.setProperty('--dy', `${rand(-40, -10)}vh`); s.setProperty('--d', `${rand(0.6, 1.6)}s`);
    });
  },
  fireworks(stage) {
    const canvas = el('canvas', { class: 'fireworks-canvas', 'aria-hidden': 'true' });
    stage.appendChild(canvas);
    requestAnimationFrame(() => runFireworks(canvas));
  },
  star(stage) {
    stage.appendChild(el('div', { class: 'hero hero-star', text: '⭐' }));
    particles(stage, 6, 'shooting', null, (s) => {
      s.setProperty('--y', `${rand(5, 55)}vh`); s.setProperty('--d', `${rand(0, 1.5)}s`);
    });
    particles(stage, 24, 'twinkle', ['✦', '✧', '⋆'], (s) => {
      s.setProperty('--x', `${rand(0, 100)}vw`); s.setProperty('--y', `${rand(0, 100)}vh`); s.setProperty('--d', `${rand(0, 1.5)}s`);
    });
  },
  crown(stage) {
    stage.appendChild(el('div', { class: 'hero hero-crown' }, el('span', { text: '👑' }), el('i', { class: 'shine', 'aria-hidden': 'true' })));
    particles(stage, 16, 'ring-spark', ['✨'], (s, i) => {
      s.setProperty('--a', `${(i * 360) / 16}deg`); s.setProperty('--d', `${0.9 + (i % 4) * 0.1}s`);
    });
  },
  rocket(stage) {
    stage.appendChild(el('div', { class: 'hero hero-rocket', text: '🚀' }));
    particles(stage, 22, 'smoke', null, (s, i) => {
      const p = i / 22;
      s.setProperty('--px', `${8 + p * 84}vw`); s.setProperty('--py', `${88 - p * 100}vh`);
      s.setProperty('--d', `${p * 1.6}s`); s.setProperty('--s', `${rand(0.7, 1.5)}`);
    });
  },
};

function runFireworks(canvas) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const w = (canvas.width = window.innerWidth);
  const h = (canvas.height = window.innerHeight);
  const sparks = [];
  const burst = (x, y, hue) => {
    for (let i = 0; i < 70; i += 1) {
      const a = (Math.PI * 2 * i) / 70; const v = rand(1.5, 5);
      sparks.push({ x, y, vx: Math.cos(a) * v, vy: Math.sin(a) * v, life: 1, hue: hue + rand(-20, 20) });
    }
  };
  const start = performance.now();
  let nextBurst = 0;
  const frame = (now) => {
    if (!canvas.isConnected) return;
    const t = now - start;
    if (t > nextBurst && t < 2400) { burst(rand(w * 0.15, w * 0.85), rand(h * 0.15, h * 0.55), rand(0, 360)); nextBurst = t + rand(250, 450); }
    ctx.fillStyle = 'rgba(10, 6, 30, 0.25)';
    ctx.fillRect(0, 0, w, h);
    for (const s of sparks) {
      if (s.life <= 0) continue;
      s.x += s.vx; s.y += s.vy; s.vy += 0.05; s.vx *= 0.985; s.life -= 0.012;
      ctx.fillStyle = `hsla(${s.hue}, 100%, 65%, ${Math.max(0, s.life)})`;
      ctx.fillRect(s.x, s.y, 2.5, 2.5);
    }
    if (t < 3400) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const queue = [];
let playing = false;
const LIFE_MS = 3800; // how long a scene plays before it ends by itself
const LIFE_CALM_MS = 2500; // the still card under prefers-reduced-motion
const LINGER_MS = 2000; // at least this long after the pointer or focus leaves a card

/**
 * Queue a gift's scene. `card` is a node (the message card) shown over the scene;
 * `onDone(overlayRect)` runs when the scene ends (to settle the gift on a shelf).
 */
export function playGift(gift, card, onDone) {
  queue.push({ gift, card, onDone });
  if (!playing) next();
}

/** End every scene now and forget the queued ones (logout: the next person at this
 * screen must not see the previous user's gifts and their private messages). */
export function stopGifts() {
  queue.length = 0;
  for (const overlay of document.querySelectorAll('.gift-anim')) {
    if (typeof overlay.finish === 'function') overlay.finish();
    overlay.remove();
  }
}

function next() {
  const item = queue.shift();
  if (!item) { playing = false; return; }
  playing = true;
  const { gift, card, onDone } = item;
  const animation = Object.hasOwn(SCENES, gift.animation) ? gift.animation : 'rose';
  const calm = reducedMotion();
  const stage = el('div', { class: 'gift-stage', 'aria-hidden': 'true' });
  const overlay = el('div', { class: ['gift-anim', calm && 'calm'], testid: 'gift-anim', data: { animation: gift.animation || animation, giftId: gift.id, gift: gift.gift } },
    stage, card);
  if (!calm) SCENES[animation](stage);
  else stage.appendChild(el('div', { class: 'hero hero-static', text: giftIcon(gift.gift) }));
  document.body.appendChild(overlay);
  // The scene ends by itself, but not under the reader: a card that offers buttons
  // (回赠 / 收下) stays while the pointer is on it or focus is in it, and gets a short
  // grace once both have left. Esc, the backdrop and its buttons still close it.
  let finished = false;
  let timer = null;
  let endsAt = Date.now() + (calm ? LIFE_CALM_MS : LIFE_MS);
  let hovered = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    document.removeEventListener('keydown', onKey);
    const rect = card.getBoundingClientRect();
    overlay.classList.add('gift-anim-out');
    setTimeout(() => { overlay.remove(); next(); }, calm ? 0 : 350);
    try { onDone(rect); } catch (err) { console.error(err); }
  };
  const held = () => (hovered || card.contains(document.activeElement)) && card.querySelector('button') !== null;
  const arm = () => {
    clearTimeout(timer);
    timer = null;
    if (finished || held()) return;
    timer = setTimeout(finish, Math.max(0, endsAt - Date.now()));
  };
  const release = () => {
    endsAt = Math.max(endsAt, Date.now() + LINGER_MS);
    arm();
  };
  const onKey = (e) => { if (e.key === 'Escape') finish(); };
  document.addEventListener('keydown', onKey);
  overlay.addEventListener('click', (e) => { if (e.target === overlay || e.target === stage) finish(); });
  card.addEventListener('pointerenter', () => { hovered = true; arm(); });
  card.addEventListener('pointerleave', () => { hovered = false; release(); });
  card.addEventListener('focusin', arm);
  card.addEventListener('focusout', () => setTimeout(release, 0)); // once focus has landed
  overlay.finish = finish;
  arm();
}
