// conn.js — the websocket to /ws: connect, hello, resume with ?since=, reconnect with
// exponential backoff + jitter, request/reply by ref, heartbeat replies, event dedupe
// and seq-gap detection. It knows nothing about moods or the DOM: it emits events.
//
// Emits (CustomEvent on the Conn instance):
//   state      {state: connecting|connected|reconnecting|offline|signed-out, code?, retryIn?, attempt?}
//   hello      {hello, resumed, gap}          after every successful (re)connect
//   event      {frame}                        each inbox event once, in order
//   presence   {user, online}
//   synced     {count, gap, kinds, frames}    after a resume replayed missed events
//   unauthorized {reason}                     socket closed with 4401
//
// The resume position (last event id, seq, epoch) lives in sessionStorage: one per tab,
// so a reload resumes exactly where this tab left off and two tabs never share one.

import { ApiError, op as httpOp } from './api.js';

const RESUME_KEY = 'kj:resume';
const BACKOFF_BASE = 500;
const BACKOFF_MAX = 10000;
const OFFLINE_AFTER = 3; // failed attempts in a row before the badge says "offline"
const REQUEST_TIMEOUT = 15000;
const HELLO_TIMEOUT = 10000;
const SILENCE_PING = 30000; // no frame for this long: ping; no pong in 10 s: reconnect
const REPLAY_SETTLE = 2000;

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
    this.retryAt = 0;
    this.silenceTimer = null;
    this.gapSeq = null;
    this.replay = null;
    this.resumeFrom = null;
    window.addEventListener('online', () => { if (!this.stopped && !this.isOpen()) this.reconnectNow(); });
    window.addEventListener('offline', () => {
      if (this.stopped) return;
      if (!this.isOpen()) { this.setState('offline'); return; }
      this.probe(5000); // the socket may be dead without knowing it yet
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && !this.stopped && !this.ws) this.reconnectNow();
    });
  }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, attempt: this.attempt, ...extra });
  }

  isOpen() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.user !== null; }

  // ---- resume position (sessionStorage: one per tab) ----
  loadResume() {
    try { return JSON.parse(sessionStorage.getItem(RESUME_KEY) || 'null'); } catch { return null; }
  }

  saveResume() {
    if (!this.user) return;
    try {
      sessionStorage.setItem(RESUME_KEY, JSON.stringify({ user: this.user, id: this.lastId, seq: this.lastSeq, epoch: this.epoch }));
    } catch { /* storage full or disabled: resume just starts live */ }
  }

  static forgetResume() { try { sessionStorage.removeItem(RESUME_KEY); } catch { /* ignore */ } }

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
    this.everConnected = false;
    this.attempt = 0;
    this.retryAt = 0;
    this.setState(state);
  }

  /** Simulate a dropped network connection (for tests and debugging). */
  drop() { if (this.ws) this.ws.close(4000, 'client drop'); }

  /** Skip the backoff wait and try now (the "retry now" button, `online`, tab shown). */
  reconnectNow() {
    if (this.stopped) return;
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
    if (this.state !== 'offline' || this.attempt === 0) {
      this.setState(this.everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    }
    const resume = this.loadResume();
    let url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.resumeFrom = resume;
    if (resume && resume.id) url += `?since=${encodeURIComponent(resume.id)}`;
    let ws;
    try { ws = new WebSocket(url); } catch { this.scheduleRetry(); return; }
    this.ws = ws;
    this.user = null;
    const helloTimer = setTimeout(() => { if (!this.user) this.abandon(ws, 'hello timeout'); }, HELLO_TIMEOUT);
    ws.onmessage = (msg) => { if (this.ws === ws) this.onFrame(msg.data); };
    ws.onclose = (ev) => { clearTimeout(helloTimer); if (this.ws === ws) this.onClose(ev.code, ev.reason); };
    ws.onerror = () => { /* onclose follows */ };
  }

  onClose(code, reason = '') {
    this.ws = null;
    this.user = null;
    clearTimeout(this.silenceTimer);
    this.failPending();
    if (this.stopped) return;
    if (code === 4401) {
      this.stopped = true;
      this.setState('signed-out', { code });
      this.emit('unauthorized', { reason });
      return;
    }
    if (code === 4403) {
      this.stopped = true;
      this.setState('offline', { code });
      return;
    }
    // 1001 draining, 1006 dropped, 4408 heartbeat, 4429 too slow, 1009, 1011: resume.
    this.scheduleRetry(code === 4429 ? 2000 : 0, code);
  }

  scheduleRetry(minDelay = 0, code = undefined) {
    if (this.stopped) return;
    // Exponential backoff with "equal jitter": half the ceiling fixed, half random, so
    // a crowd of tabs dropped by one restart does not come back in one wave.
    const ceiling = Math.min(BACKOFF_MAX, BACKOFF_BASE * 2 ** this.attempt);
    const delay = Math.max(minDelay, ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    const offline = navigator.onLine === false || this.attempt > OFFLINE_AFTER;
    this.setState(offline ? 'offline' : 'reconnecting', { retryIn: delay, code });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  armSilence() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.probe(10000), SILENCE_PING);
  }

  /** Ping; no pong within `timeout` ms means the socket is dead: drop it and resume. */
  probe(timeout) {
    if (!this.isOpen()) return;
    const ws = this.ws;
    this.request('ping', {}, { timeout }).catch(() => this.abandon(ws, 'no pong'));
  }

  /** Give up on `ws` now (no waiting for a close handshake a dead link never sends)
   * and reconnect through the backoff; `since` resumes what it had not delivered. */
  abandon(ws, reason) {
    if (this.ws !== ws || this.stopped) return;
    this.teardown(4000, reason);
    this.user = null;
    this.scheduleRetry();
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
    const sameUser = Boolean(resume && resume.user === user);
    const resumed = Boolean(sameUser && resume.id);
    const epochChanged = Boolean(resumed && resume.epoch && hello.epoch && resume.epoch !== hello.epoch);
    // This tab was connected with an empty inbox (no id to resume from) and the inbox
    // is no longer empty: whatever arrived meanwhile cannot be replayed, so say gap.
    const unresumable = sameUser && !resume.id && Number(hello.seq || 0) > 0;
    const gap = (resumed && (Boolean(hello.gap) || epochChanged)) || unresumable;
    if (!sameUser) { this.seen.clear(); this.seenOrder = []; }
    this.user = user;
    this.epoch = hello.epoch ?? null;
    this.attempt = 0;
    this.gapSeq = null;
    const head = Number(hello.seq || 0);
    if (resumed && !gap) {
      // The server replays everything after resume.id, then goes live.
      this.lastSeq = typeof resume.seq === 'number' ? resume.seq : null;
      this.lastId = resume.id;
      const expected = typeof hello.replayed === 'number' ? hello.replayed
        : (this.lastSeq === null ? 0 : Math.max(0, head - this.lastSeq));
      this.startReplay(head, expected, false);
    } else {
      // Fresh start or a gap: no replay, live from the head hello names.
      this.lastSeq = head;
      // An empty inbox has no last id; "<epoch>:0" resumes from its very start.
      this.lastId = hello.last_id || (hello.epoch ? `${hello.epoch}:0` : '');
      if (gap) this.startReplay(head, 0, true);
      else this.replay = null;
    }
    this.saveResume();
    this.everConnected = true;
    this.setState('connected');
    this.emit('hello', { hello, resumed, gap });
  }

  startReplay(headSeq, expected, gap) {
    clearTimeout(this.replay && this.replay.timer);
    this.replay = { headSeq, expected, count: 0, kinds: {}, frames: [], gap, done: false, timer: null };
    if (gap || expected === 0) { this.finishReplay(); return; }
    this.replay.timer = setTimeout(() => this.finishReplay(), REPLAY_SETTLE);
  }

  finishReplay() {
    const r = this.replay;
    if (!r || r.done) return;
    r.done = true;
    clearTimeout(r.timer);
    if (r.count > 0 || r.gap) this.emit('synced', { count: r.count, gap: r.gap, kinds: r.kinds, frames: r.frames });
  }

  onEvent(frame) {
    if (!this.user) return;
    const id = frame.id;
    if (id && this.seen.has(id)) return;
    const seq = typeof frame.seq === 'number' ? frame.seq : null;
    if (seq !== null && this.lastSeq !== null) {
      if (seq <= this.lastSeq) return; // already processed
      if (seq > this.lastSeq + 1 && this.gapSeq !== seq) {
        // A hole: reconnect with since=<last processed id>, which replays it.
        this.gapSeq = seq;
        this.abandon(this.ws, 'seq gap');
        return;
      }
    }
    if (id) this.remember(id);
    if (seq !== null) this.lastSeq = seq;
    if (id) this.lastId = id;
    this.saveResume();
    const r = this.replay;
    if (r && !r.done && seq !== null && seq <= r.headSeq) {
      r.count += 1;
      r.kinds[frame.event] = (r.kinds[frame.event] || 0) + 1;
      r.frames.push(frame);
      frame.replayed = true;
    }
    try { this.emit('event', { frame }); } catch (err) { console.error(err); }
    if (r && !r.done && r.count >= r.expected) this.finishReplay();
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
