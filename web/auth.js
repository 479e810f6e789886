// Sign-in for the hosted dashboard: Amazon Cognito's Hosted UI with the authorization code grant
// and PKCE (RFC 7636), as a public client (no secret: a page cannot keep one). config.json names
// the user pool's domain and the app client; without those settings (breakwater serve) the page
// uses the local bearer token instead and nothing here runs.
//
// The ID token lives in sessionStorage (gone when the tab closes) and is sent as
// `Authorization: Bearer <id token>`; API Gateway's Cognito authorizer verifies it, and the API
// records the person it names as the actor of every command. The page reads the token's claims
// only to show who is signed in and when to sign in again; it trusts nothing else in them.

const ID_TOKEN_KEY = 'breakwater.idToken';
const PENDING_KEY = 'breakwater.signIn';
/** Sign in again this long before the token expires, rather than have a command refused. */
const EXPIRY_MARGIN_MS = 60_000;

/** The Cognito settings of config.json, or undefined when the page signs in with a token. */
export function signInSettings(config) {
  const c = config?.cognito;
  if (!c || typeof c.domain !== 'string' || typeof c.clientId !== 'string') return undefined;
  const redirectUri = typeof c.redirectUri === 'string' ? c.redirectUri : `${window.location.origin}/`;
  return { domain: c.domain.replace(/\/+$/, ''), clientId: c.clientId, redirectUri };
}

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The claims of a JWT (not verified: the API's authorizer does that), or undefined. */
function claimsOf(token) {
  try {
    const payload = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** Who the token names: email, else the Cognito user name (as the API records them). */
export function personOf(token) {
  const claims = claimsOf(token);
  return claims?.email || claims?.['cognito:username'] || undefined;
}

function validToken() {
  const token = sessionStorage.getItem(ID_TOKEN_KEY);
  const exp = token ? claimsOf(token)?.exp : undefined;
  return typeof exp === 'number' && exp * 1000 - EXPIRY_MARGIN_MS > Date.now() ? token : undefined;
}

/** Sends the browser to the Hosted UI with a fresh PKCE verifier and state. */
async function redirectToSignIn(settings) {
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(`${settings.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    scope: 'openid email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  window.location.assign(url.toString());
}

/** Exchanges the code the Hosted UI sent back for tokens; throws with the reason when refused. */
async function exchangeCode(settings, code, state) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || pending.state !== state) {
    throw new Error(
      'Sign-in answer does not match the sign-in this tab started (state differs): sign in again.',
    );
  }
  const response = await fetch(`${settings.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: settings.clientId,
      code,
      redirect_uri: settings.redirectUri,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.id_token !== 'string') {
    throw new Error(`Sign-in failed (${response.status}): ${body.error ?? 'no ID token in the answer'}`);
  }
  sessionStorage.setItem(ID_TOKEN_KEY, body.id_token);
}

/**
 * The ID token of the signed-in person, signing in first when needed: back from the Hosted UI
 * (`?code=`), the code is exchanged and taken out of the address bar; with no valid token the
 * browser is sent to the Hosted UI and this resolves to undefined (the page is leaving).
 */
export async function signIn(settings) {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  if (code) {
    const state = url.searchParams.get('state');
    url.searchParams.delete('code');
    url.searchParams.delete('state');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    await exchangeCode(settings, code, state);
  }
  const token = validToken();
  if (token) return token;
  await redirectToSignIn(settings);
  return undefined;
}

/** Forgets the token here and ends the Hosted UI session, which sends the browser back to the page. */
export function signOut(settings) {
  sessionStorage.removeItem(ID_TOKEN_KEY);
  const url = new URL(`${settings.domain}/logout`);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    logout_uri: settings.redirectUri,
  }).toString();
  window.location.assign(url.toString());
}

/** Drops an expired or refused token and goes through sign-in again. */
export function signInAgain(settings) {
  sessionStorage.removeItem(ID_TOKEN_KEY);
  return redirectToSignIn(settings);
}
