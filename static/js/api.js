// api.js — the HTTP side: register, login, logout (here or everywhere), the password
// change and POST /api/ops/<op>.
// Auth is the HttpOnly `kj_session` cookie (same origin); this module never sees it.

export class ApiError extends Error {
  constructor(code, message, status = 0, retryAfter = null) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter; // whole seconds a 429 asked us to wait, else null
  }
}

/** A `Retry-After` header as whole seconds from now (delta-seconds or an HTTP date). */
function retryAfterSeconds(header) {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function post(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch (err) {
    throw new ApiError('unavailable', '网络不可用 Network unavailable');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = data && (data.error || data);
    const code = (e && e.code) || (res.status === 401 ? 'not_authenticated' : `http_${res.status}`);
    throw new ApiError(code, (e && e.message) || res.statusText || '请求失败 Request failed', res.status,
      retryAfterSeconds(res.headers.get('Retry-After')));
  }
  return data ?? {};
}

export const register = (username, password, displayName) =>
  post('/api/register', displayName ? { username, password, display_name: displayName } : { username, password });

export const login = (username, password) => post('/api/login', { username, password });

export const logout = () => post('/api/logout', {});

/** End every login of this user, on every device (this one too). */
export const logoutEverywhere = () => post('/api/logout', { everywhere: true });

/** Change the password; the hub ends every other login of the user. */
export const changePassword = (password, newPassword) =>
  post('/api/password', { password, new_password: newPassword });

/** Call an op over HTTP (used when the socket is not open). */
export const op = (name, data) => post(`/api/ops/${encodeURIComponent(name)}`, data ?? {});

export const USERNAME_RE = /^[a-z0-9_]{3,20}$/;
export const PASSWORD_MIN = 8;
