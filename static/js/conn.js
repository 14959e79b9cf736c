// conn.js — the websocket to /ws: connect, hello, resume with ?since=, reconnect with
// exponential backoff + jitter, request/reply by ref, heartbeat replies, event dedupe
// and seq-gap detection. It knows nothing about moods or the DOM: it emits events.
//
// Emits (CustomEvent on the Conn instance):
//   state      {state: connecting|connected|reconnecting|offline, code?}
//   hello      {hello, resumed, gap}          after every successful (re)connect
//   event      {frame}                        each inbox event once, in order
//   presence   {user, online}
//   synced     {count, gap}                   after a resume replayed missed events
//   unauthorized {}                           socket closed with 4401

import { ApiError, op as httpOp } from './api.js';

const RESUME_KEY = 'kj:resume';
const FINAL_CODES = new Set([4401, 4403]);
const BACKOFF_BASE = 500;
const BACKOFF_MAX = 15000;
const REQUEST_TIMEOUT = 15000;
const SILENCE_PING = 30000;

export class Conn extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.state = 'offline';
    this.stopped = true;
    this.attempt = 0;
    this.refN = 0;
    this.pending = new Map();
    this.seen = new Set();
    this.seenOrder = [];
    this.user = null;
    this.lastSeq = null;
    this.lastId = '';
    this.epoch = null;
    this.everConnected = false;
    this.retryTimer = null;
    this.silenceTimer = null;
    this.gapSeq = null;
    this.replay = null;
    window.addEventListener('online', () => { if (!this.stopped && !this.isOpen()) this.reconnectNow(); });
    window.addEventListener('offline', () => { if (!this.stopped) this.setState('offline'); });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && !this.stopped && !this.ws) this.reconnectNow();
    });
  }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, ...extra });
  }

  isOpen() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.user !== null; }

  // ---- resume position (sessionStorage: one per tab) ----
  loadResume() {
    try { return JSON.parse(sessionStorage.getItem(RESUME_KEY) || 'null'); } catch { return null; }
  }
  saveResume() {
    if (!this.user) return;
    sessionStorage.setItem(RESUME_KEY, JSON.stringify({ user: this.user, id: this.lastId, seq: this.lastSeq, epoch: this.epoch }));
  }
  static forgetResume() { sessionStorage.removeItem(RESUME_KEY); }

  // ---- lifecycle ----
  start() {
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  /** Close for good (logout, 4401). */
  stop(state = 'offline') {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.teardown(1000, 'bye');
    this.user = null;
    this.setState(state);
  }

  /** Simulate a dropped network connection (for tests and debugging). */
  drop() { if (this.ws) this.ws.close(4000, 'client drop'); }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    this.teardown(4000, 'reconnect');
    this.open();
  }

  teardown(code, reason) {
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(code, reason); } catch { /* already closed */ }
    }
    this.failPending();
  }

  failPending() {
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new ApiError('unavailable', '连接已断开 Connection lost')); }
    this.pending.clear();
  }

  open() {
    clearTimeout(this.retryTimer);
    this.setState(this.everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    const resume = this.loadResume();
    let url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.resumeFrom = null;
    if (resume && resume.id) {
      url += `?since=${encodeURIComponent(resume.id)}`;
      this.resumeFrom = resume;
    }
    let ws;
    try { ws = new WebSocket(url); } catch { this.scheduleRetry(); return; }
    this.ws = ws;
    this.user = null;
    const openTimer = setTimeout(() => { if (this.ws === ws && !this.user) ws.close(4000, 'hello timeout'); }, 10000);
    ws.onmessage = (msg) => this.onFrame(msg.data);
    ws.onclose = (ev) => { clearTimeout(openTimer); if (this.ws === ws) this.onClose(ev.code); };
    ws.onerror = () => { /* onclose follows */ };
  }

  onClose(code) {
    this.ws = null;
    this.user = null;
    clearTimeout(this.silenceTimer);
    this.failPending();
    if (this.stopped) return;
    if (code === 4401) {
      this.stopped = true;
      this.setState('offline', { code });
      this.emit('unauthorized', {});
      return;
    }
    if (FINAL_CODES.has(code)) {
      this.stopped = true;
      this.setState('offline', { code });
      return;
    }
    this.scheduleRetry(code === 4429 ? 2000 : 0);
  }

  scheduleRetry(minDelay = 0) {
    if (this.stopped) return;
    const ceiling = Math.min(BACKOFF_MAX, BACKOFF_BASE * 2 ** this.attempt);
    const delay = Math.max(minDelay, ceiling / 2 + Math.random() * ceiling / 2);
    this.attempt += 1;
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting', { retryIn: delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  armSilence() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      if (!this.isOpen()) return;
      const ws = this.ws;
      this.request('ping', {}, { timeout: 10000 }).catch(() => { if (this.ws === ws) ws.close(4000, 'no pong'); });
    }, SILENCE_PING);
  }

  // ---- frames ----
  onFrame(raw) {
    let frame;
    try { frame = JSON.parse(raw); } catch { return; }
    if (!frame || typeof frame !== 'object') return;
    this.armSilence();
    switch (frame.type) {
      case 'hello': this.onHello(frame.data || {}); break;
      case 'event': this.onEvent(frame); break;
      case 'reply': this.onReply(frame); break;
      case 'presence': this.emit('presence', frame.data || {}); break;
      case 'heartbeat': this.send({ op: 'ping', ref: null, data: {} }); break;
      default: break;
    }
  }

  onHello(hello) {
    const user = hello.user && hello.user.username;
    const resume = this.resumeFrom;
    const sameUser = resume && resume.user === user;
    const resumed = Boolean(sameUser && resume.id);
    const gap = Boolean(hello.gap) || Boolean(resumed && resume.epoch && hello.epoch && resume.epoch !== hello.epoch);
    if (!sameUser) { this.seen.clear(); this.seenOrder = []; }
    this.user = user;
    this.epoch = hello.epoch ?? null;
    this.attempt = 0;
    this.gapSeq = null;
    if (resumed && !gap) {
      this.lastSeq = typeof resume.seq === 'number' ? resume.seq : null;
      this.lastId = resume.id;
      const expected = this.lastSeq === null ? 0 : Math.max(0, Number(hello.seq || 0) - this.lastSeq);
      this.startReplay(Number(hello.seq || 0), expected, false);
    } else {
      this.lastSeq = gap ? null : Number(hello.seq || 0);
      this.lastId = hello.last_id || '';
      if (resumed) this.startReplay(Number(hello.seq || 0), 0, true);
      else this.replay = null;
    }
    this.saveResume();
    this.everConnected = true;
    this.setState('connected');
    this.emit('hello', { hello, resumed, gap });
  }

  startReplay(headSeq, expected, gap) {
    clearTimeout(this.replay && this.replay.timer);
    this.replay = { headSeq, expected, count: 0, gap, done: false, timer: null };
    if (gap || expected === 0) { this.finishReplay(); return; }
    this.replay.timer = setTimeout(() => this.finishReplay(), 2000);
  }

  finishReplay() {
    const r = this.replay;
    if (!r || r.done) return;
    r.done = true;
    clearTimeout(r.timer);
    if (r.count > 0 || r.gap) this.emit('synced', { count: r.count, gap: r.gap });
  }

  onEvent(frame) {
    if (!this.user) return;
    const id = frame.id;
    if (id && this.seen.has(id)) return;
    const seq = typeof frame.seq === 'number' ? frame.seq : null;
    if (seq !== null && this.lastSeq !== null) {
      if (seq <= this.lastSeq) return; // already processed
      if (seq > this.lastSeq + 1 && this.gapSeq !== seq) {
        // A hole: resume from the last event we processed, which replays the gap.
        this.gapSeq = seq;
        const ws = this.ws;
        if (ws) ws.close(4000, 'seq gap');
        return;
      }
    }
    if (id) this.remember(id);
    if (seq !== null) this.lastSeq = seq;
    if (id) this.lastId = id;
    this.saveResume();
    if (this.replay && !this.replay.done && seq !== null && seq <= this.replay.headSeq) {
      this.replay.count += 1;
      if (this.replay.count >= this.replay.expected) this.finishReplay();
    }
    try { this.emit('event', { frame }); } catch (err) { console.error(err); }
  }

  remember(id) {
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > 5000) this.seen.delete(this.seenOrder.shift());
  }

  onReply(frame) {
    if (frame.ref === null || frame.ref === undefined) return;
    const p = this.pending.get(frame.ref);
    if (!p) return;
    this.pending.delete(frame.ref);
    clearTimeout(p.timer);
    if (frame.ok) p.resolve(frame.data || {});
    else p.reject(new ApiError((frame.error && frame.error.code) || 'internal', frame.error && frame.error.message));
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /** Call an op: over the socket when it is up, else over HTTP. Resolves with reply data. */
  request(opName, data = {}, { timeout = REQUEST_TIMEOUT } = {}) {
    if (!this.isOpen()) return httpOp(opName, data);
    const ref = `r${++this.refN}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new ApiError('timeout', '请求超时 Request timed out'));
      }, timeout);
      this.pending.set(ref, { resolve, reject, timer });
      if (!this.send({ op: opName, ref, data })) {
        clearTimeout(timer);
        this.pending.delete(ref);
        httpOp(opName, data).then(resolve, reject);
      }
    });
  }
}

export const conn = new Conn();
