// connbadge.js — the top bar's connection badge: 连接中 / 已连接 / 重连中 / 离线 / 未登录,
// the seconds until the next try (outside the live region's spoken text) and the
// 重连 Retry button while it is down. Paints from conn.js's `state` events; owns
// #conn-state and #conn-retry's visibility and nothing else (moved out of app.js).

import { el, $ } from './dom.js';
import { conn } from './conn.js';

const CONN_LABELS = {
  connecting: ['连接中', 'Connecting'],
  connected: ['已连接', 'Connected'],
  reconnecting: ['重连中', 'Reconnecting'],
  offline: ['离线', 'Offline'],
  'signed-out': ['未登录', 'Signed out'],
};

let connTicker = null;

export function paintConn(detail) {
  const { state: s } = detail;
  const node = $('#conn-state');
  const retry = $('#conn-retry');
  node.dataset.state = s;
  clearInterval(connTicker);
  const waiting = (s === 'reconnecting' || s === 'offline') && !conn.stopped && conn.retryAt > Date.now();
  const [zh, en] = CONN_LABELS[s] || [s, ''];
  // The countdown ticks outside the live region's spoken text (aria-hidden).
  const countdown = el('span', { class: 'conn-countdown', testid: 'conn-countdown', 'aria-hidden': 'true' });
  node.textContent = '';
  node.append(`${zh} `, el('span', { class: 'en-wide', text: en }), countdown);
  const tick = () => {
    const left = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
    countdown.textContent = waiting && left > 0 ? ` · ${left}s` : '';
  };
  tick();
  if (waiting) connTicker = setInterval(tick, 1000);
  retry.hidden = !(s === 'offline' || s === 'reconnecting') || conn.stopped;
  document.body.dataset.conn = s;
}
