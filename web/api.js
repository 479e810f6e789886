// The Breakwater HTTP API from the browser. The token comes from `?token=` once, then lives in
// sessionStorage (gone when the tab closes); `?api=` points the page at another origin when the
// dashboard is hosted as static files beside the control plane. A `config.json` next to the page
// (written by the CDK deployment: `{ "apiEndpoint": "https://…/v1/" }`) does the same; without
// one (the local server answers 404), the API is on the page's own origin.

const TOKEN_KEY = 'breakwater.token';
const API_KEY = 'breakwater.api';

export class ApiError extends Error {
  constructor(method, path, status, body) {
    const detail = body && typeof body === 'object' ? body.error : String(body ?? '');
    const issues = body?.issues?.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    super(`${method} ${path} failed (${status}): ${detail}${issues ? ` — ${issues}` : ''}`);
    this.status = status;
    this.body = body;
  }
}

/** Takes `?token=` and `?api=` out of the address bar into sessionStorage. */
export function adoptUrlSettings() {
  const url = new URL(window.location.href);
  let changed = false;
  for (const [param, key] of [
    ['token', TOKEN_KEY],
    ['api', API_KEY],
  ]) {
    const value = url.searchParams.get(param);
    if (value) {
      sessionStorage.setItem(key, value);
      url.searchParams.delete(param);
      changed = true;
    }
  }
  if (changed) window.history.replaceState(null, '', url.pathname + url.search + url.hash);
}

/** The API endpoint from config.json, if the page was deployed with one. */
let configuredBase = '';

/**
 * Reads config.json once at start and returns it (its `cognito` settings are for web/auth.js);
 * absent, unreadable or not JSON means same-origin and token sign-in (undefined).
 */
export async function loadConfig() {
  try {
    const response = await fetch('config.json', {
      headers: { accept: 'application/json' },
      cache: 'no-cache',
    });
    if (!response.ok) return undefined;
    const config = await response.json();
    if (typeof config?.apiEndpoint === 'string') configuredBase = config.apiEndpoint;
    return config;
  } catch {
    // no config: same origin
    return undefined;
  }
}

export const hasToken = () => Boolean(sessionStorage.getItem(TOKEN_KEY));
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);

/** The control plane's clock, as of the last response (virtual time on the local engine). */
let serverOffsetMs = 0;
/** The control plane's clock as last seen, when it stands still (serve waits for a first deployment). */
let pausedAtMs;
export const serverNow = () => pausedAtMs ?? Date.now() + serverOffsetMs;
export const serverClockPaused = () => pausedAtMs !== undefined;

export async function api(method, path, body) {
  const base = (sessionStorage.getItem(API_KEY) ?? configuredBase).replace(/\/+$/, '');
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const now = response.headers.get('x-breakwater-now');
  serverOffsetMs = now ? Date.parse(now) - Date.now() : 0;
  pausedAtMs = now && response.headers.get('x-breakwater-clock') === 'paused' ? Date.parse(now) : undefined;
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the message
  }
  if (!response.ok) throw new ApiError(method, path, response.status, parsed);
  return parsed;
}
