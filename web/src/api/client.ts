/**
 * The one way the app talks to the API: the access token in memory only (never in storage),
 * the refresh token in its httpOnly cookie (sent to /v1/auth only), one refresh at a time,
 * and read-your-writes: the position of the last command goes out as X-Min-Position.
 */

/** An answer of the API that was not a success, in the API's terms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Tokens {
  readonly accessToken: string;
}

let accessToken: string | null = null;
let minPosition = 0;
let refreshing: Promise<boolean> | null = null;
const clientHeader = { 'X-MindFlow-Client': 'web' };

/** Keeps the access token of a login or refresh (memory only). */
export function setAccessToken(token: string | null): void {
  accessToken = token;
}

/** The Authorization header of the session, for what api() cannot send (an upload with progress). */
export function authorization(): Record<string, string> {
  return accessToken === null ? {} : { Authorization: `Bearer ${accessToken}` };
}

/** Whether an access token is held. */
export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Records a command's global position: the next reads wait until the views have it. */
export function sawPosition(position: number): void {
  if (position > minPosition) minPosition = position;
}

async function errorOf(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: { code?: unknown; message?: unknown } }).error;
    return new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : 'UNKNOWN',
      typeof error.message === 'string' ? error.message : response.statusText,
    );
  }
  return new ApiError(response.status, 'UNKNOWN', response.statusText);
}

/**
 * Trades the refresh cookie for a new access token (one at a time: the token is spent by a
 * refresh, so two at once would end the login). False when there is no login to go on with.
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...clientHeader },
    body: '{}',
    credentials: 'same-origin',
  })
    .then(async (response) => {
      if (!response.ok) {
        accessToken = null;
        return false;
      }
      accessToken = ((await response.json()) as Tokens).accessToken;
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Ends the login: the server revokes it and clears the cookie; the token in memory is dropped. */
export async function endSession(): Promise<void> {
  await fetch('/v1/auth/logout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...clientHeader },
    body: '{}',
    credentials: 'same-origin',
  }).catch(() => undefined);
  accessToken = null;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** A multipart body instead (a file): the browser writes its Content-Type and boundary. */
  readonly form?: FormData;
  readonly ifMatch?: number;
  readonly signal?: AbortSignal;
  /** Another representation than JSON (text/csv, application/x-ndjson): answered as a Blob. */
  readonly accept?: string;
}

/** One API call; JSON (or a form) in, JSON out. A 401 refreshes the session once and tries again. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const send = () => {
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (accessToken !== null) headers.Authorization = `Bearer ${accessToken}`;
    if (options.ifMatch !== undefined) headers['If-Match'] = `"${String(options.ifMatch)}"`;
    if (method === 'GET' && minPosition > 0) headers['X-Min-Position'] = String(minPosition);
    return fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.form === undefined ? {} : { body: options.form }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  };
  let response = await send();
  if (response.status === 401 && accessToken !== null && (await refreshSession())) response = await send();
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  if (options.accept !== undefined) return (await response.blob()) as T;
  const body = (await response.json()) as T;
  if (method !== 'GET' && typeof body === 'object' && body !== null && 'position' in body) {
    const { position } = body as { position: unknown };
    if (typeof position === 'number') sawPosition(position);
  }
  return body;
}

/** Saves what a GET answers in another representation (a CSV, NDJSON) as a file. */
export async function download(path: string, accept: string, fileName: string): Promise<void> {
  const blob = await api<Blob>('GET', path, { accept });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
