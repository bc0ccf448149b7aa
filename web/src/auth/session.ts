import { useSyncExternalStore } from 'react';
import { api, endSession, refreshSession, setAccessToken } from '../api/client';
import type { LoginResult, Profile } from '../api/types';
import { applyLanguage } from '../i18n';
import { applyTheme } from '../theme';

/** Who is signed in: unknown until the refresh cookie was tried once after a load. */
export type Session =
  | { readonly state: 'loading' }
  | { readonly state: 'anonymous' }
  | { readonly state: 'signed-in'; readonly user: Profile };

let session: Session = { state: 'loading' };
const listeners = new Set<() => void>();

function set(next: Session): void {
  session = next;
  if (next.state === 'signed-in') {
    applyLanguage(next.user.language);
    applyTheme(next.user.theme);
  } else applyTheme('system');
  for (const listener of listeners) listener();
}

/** The session, for components. */
export function useSession(): Session {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => session,
  );
}

/** The signed-in user's profile (callers render only when signed in). */
export function currentUser(): Profile | undefined {
  return session.state === 'signed-in' ? session.user : undefined;
}

/** Reads the profile again (after a change to it). */
export async function loadProfile(): Promise<void> {
  set({ state: 'signed-in', user: await api<Profile>('GET', '/v1/me') });
}

/** After a load: the cookie's login goes on, if there is one. */
export async function resumeSession(): Promise<void> {
  if (session.state !== 'loading') return;
  if (!(await refreshSession())) {
    set({ state: 'anonymous' });
    return;
  }
  await loadProfile().catch(() => set({ state: 'anonymous' }));
}

/** Signs in; the refresh token arrives as a cookie, the access token stays in memory. */
export async function signIn(email: string, password: string): Promise<void> {
  const result = await api<LoginResult>('POST', '/v1/auth/login', { body: { email, password } });
  setAccessToken(result.accessToken);
  await loadProfile();
}

/** Signs out here and on the server. */
export async function signOut(): Promise<void> {
  await endSession();
  set({ state: 'anonymous' });
}
