// The studio's JSON API (see docs/studio.md): every call is stateless, the melody travels with the request.

/** An error the API answered (400/413/503 problem+json) or a failed request, with the one-line detail to show. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function failure(response) {
  let detail = `${response.status} ${response.statusText}`.trim();
  try {
    const text = await response.text();
    try {
      const problem = JSON.parse(text);
      detail = problem.detail || problem.title || detail;
    } catch {
      if (text.length > 0 && text.length < 300) detail = text;
    }
  } catch { /* keep the status line */ }
  if (response.status === 503) detail = `the model is busy (${detail}); try again`;
  if (response.status === 401) detail = `the studio needs its access token: ${detail}`;
  if (response.status === 429) detail = `too many requests from this computer (${detail}); wait a moment`;
  return new ApiError(response.status, detail);
}

// The access token of a studio shared on a network (melos serve --token): from the address's fragment
// (http://host:port/#token=...), which never reaches the server or its logs, else asked for when the server answers 401;
// kept for this tab only and sent on every API call as `Authorization: Bearer`.
const TOKEN_KEY = 'melos-studio-token';

function takeFragmentToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', window.location.pathname + window.location.search);
}
takeFragmentToken();

function withToken(headers) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

/** Fetches with the token; on 401 asks for the token once and tries again. */
async function authorized(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: withToken(init.headers) });
    if (response.status === 401) {
      const given = window.prompt('This studio needs its access token (ask whoever started it):', '');
      if (given) {
        sessionStorage.setItem(TOKEN_KEY, given.trim());
        response = await fetch(path, { ...init, headers: withToken(init.headers) });
      }
    }
  } catch (e) {
    throw new ApiError(0, `cannot reach the studio server (${e.message})`);
  }
  if (!response.ok) throw await failure(response);
  return response;
}

async function send(path, body) {
  return authorized(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

/** GET /api/model: the model's name, tokenizer, grid and note lengths, pitch range, keys, meters, styles, operations and limits. */
export async function getModel() {
  return (await authorized('/api/model', { headers: { Accept: 'application/json' } })).json();
}

/**
 * POST /api/chords: the server parses chord text with the command line's grammar (ChordProgression) and lays it out
 * over `bars` bars of `meter`: { text, meter, bars, progression, chords: [{ start, length, symbol }] }.
 */
export async function layoutChords(text, meter, bars) {
  return (await send('/api/chords', { text, meter, bars })).json();
}

/** POST /api/continue. */
export async function continueMelody(request) {
  return (await send('/api/continue', request)).json();
}

/** POST /api/infill. */
export async function infill(request) {
  return (await send('/api/infill', request)).json();
}

/** POST /api/vary. */
export async function vary(request) {
  return (await send('/api/vary', request)).json();
}

/** POST /api/explain. */
export async function explain(melody) {
  return (await send('/api/explain', { melody })).json();
}

/** POST /api/export?format=F: returns { blob, filename }. */
export async function exportMelody(melody, format) {
  const response = await send(`/api/export?format=${encodeURIComponent(format)}`, { melody });
  const disposition = response.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const ext = format === 'musicxml' ? 'musicxml' : format;
  return { blob: await response.blob(), filename: m ? decodeURIComponent(m[1]) : `melos.${ext}` };
}
