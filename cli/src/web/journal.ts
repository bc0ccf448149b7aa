import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Test } from 'tap';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../testing/embedded-platform.js';
import { buildWebClient, launchChromium, seriousViolations } from './browser.js';

/** A browser on the web client, served by a platform of its own, with a writer signed in. */
export interface Journal {
  readonly platform: EmbeddedPlatform;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page so far. */
  readonly problems: string[];
  /** The signed-in writer's email and password. */
  readonly email: string;
  readonly password: string;
  /**
   * An API call as the writer (outside the page); a command's answer is read back with its
   * position, so the views have it when the call returns.
   */
  call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** Fails the test on a serious or critical axe-core violation of the page as it is now. */
  accessible(name: string): Promise<void>;
  /** Opens a path of the app and waits for its heading. */
  open(path: string, heading: string | RegExp): Promise<void>;
}

/** The page's console errors and uncaught exceptions, as they come. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // A refused request (401 before a sign-in, 404 of a deleted entry) is the browser's own line.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

const consent = { termsVersion: '2026-01', privacyPolicyVersion: '2026-01', dataProcessing: true, marketing: false };

/**
 * Builds the web client, starts a platform and Chromium, registers a writer through the API
 * and signs them in through the browser context (the refresh cookie lands in the browser), so
 * the app opens signed in. Everything is closed at the end of `t`.
 */
/** What the journal needs of its test: a teardown, and an assertion for `accessible`. */
export type JournalHost = Pick<Test, 'teardown' | 'same'>;

export async function openJournal(t: JournalHost, platformEnv: NodeJS.ProcessEnv = {}): Promise<Journal> {
  buildWebClient();
  const platform = await startEmbeddedPlatform(platformEnv);
  t.teardown(() => platform.close());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = watchProblems(page);

  const email = `writer-${String(Date.now())}@example.com`;
  const password = 'a long enough password';
  const registered = await context.request.post(`${platform.base}/v1/auth/register`, {
    data: { email, password, displayName: 'Ana', timezone: 'UTC', language: 'en', consent },
  });
  if (!registered.ok()) throw new Error(`register: ${String(registered.status())} ${await registered.text()}`);
  const login = await context.request.post(`${platform.base}/v1/auth/login`, {
    data: { email, password },
    headers: { 'X-MindFlow-Client': 'web' },
  });
  if (!login.ok()) throw new Error(`login: ${String(login.status())} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };

  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${platform.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${await response.text()}`);
    const answer: unknown = response.status === 204 ? undefined : await response.json();
    if (method !== 'GET' && typeof answer === 'object' && answer !== null && 'position' in answer) {
      await fetch(`${platform.base}/v1/entries?limit=1`, {
        headers: { authorization: `Bearer ${accessToken}`, 'x-min-position': String(answer.position) },
      });
    }
    return answer as T;
  };

  return {
    platform,
    browser,
    context,
    page,
    problems,
    email,
    password,
    call,
    accessible: async (name) => {
      t.same(await seriousViolations(page), [], `${name}: no serious axe violation`);
    },
    open: async (path, heading) => {
      await page.goto(`${platform.base}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).first().waitFor();
    },
  };
}
