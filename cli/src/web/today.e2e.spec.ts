import t from 'tap';
import type { Page } from 'playwright-core';
import { startEmbeddedPlatform } from '../testing/embedded-platform.js';
import { buildWebClient, launchChromium, seriousViolations } from './browser.js';
import { watchProblems } from './journal.js';

// The web client in a real browser (Debian's chromium) against the whole platform, as a
// writer meets it after `npm start`: sign up, write today's entry, autosave, reload.
t.test(
  'a writer signs up, writes today’s entry with a mood and a tag, it autosaves and survives a reload',
  async (t) => {
    buildWebClient();
    const platform = await startEmbeddedPlatform();
    t.teardown(() => platform.close());
    const browser = await launchChromium();
    t.teardown(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(15_000);
    const problems = watchProblems(page);

    const accessible = async (name: string) => {
      t.same(await seriousViolations(page), [], `${name}: no serious axe violation`);
    };
    const status = (page: Page) => page.locator('.status');

    await page.goto(`${platform.base}/`);
    await page.waitForURL('**/sign-in').catch((error: unknown) => {
      throw new Error(`${String(error)}\n${problems.join('\n')}\n${platform.log().slice(-2000)}`);
    });
    await page.getByRole('heading', { name: 'Sign in to MindFlow' }).waitFor();
    await accessible('sign in');

    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL('**/sign-up');
    await accessible('sign up');
    await page.getByLabel('Display name').fill('Ana');
    await page.getByLabel('Email').fill('ana@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await t.resolveMatch(
      page.getByRole('alert').textContent(),
      /accept the terms of service and the privacy policy/,
      'consent is asked for, in words',
    );
    await page.getByLabel('I accept the terms of service').check();
    await page.getByLabel(/I accept the privacy policy/).check();
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.waitForURL('**/today');
    await page.getByLabel('Title').waitFor();
    t.equal(await page.evaluate<number>('localStorage.length'), 0, 'nothing in localStorage');
    await page.getByLabel('Title').fill('By the river');
    await page.getByRole('textbox', { name: 'Entry' }).click();
    await page.keyboard.type('Walked by the **river** today.');
    await page.getByRole('radiogroup', { name: 'Mood' }).getByRole('radio', { name: 'Happy' }).check();
    await page.getByLabel('Tags').fill('walks');
    await page.getByLabel('Tags').press('Enter');
    await page.getByRole('region', { name: 'Preview' }).locator('strong', { hasText: 'river' }).waitFor();
    await status(page)
      .filter({ hasText: /^Saved$/ })
      .waitFor({ timeout: 20_000 });
    await accessible('today');

    await page.reload();
    await page.getByLabel('Title').waitFor();
    t.equal(await page.getByLabel('Title').inputValue(), 'By the river', 'the title came back');
    t.equal(
      await page.getByRole('region', { name: 'Preview' }).locator('p').textContent(),
      'Walked by the river today.',
      'the content came back, rendered',
    );
    t.ok(await page.getByRole('radio', { name: 'Happy' }).isChecked(), 'the mood came back');
    await page.getByRole('listitem').filter({ hasText: 'walks' }).waitFor();

    await page.setViewportSize({ width: 375, height: 800 });
    t.ok(
      await page.evaluate<boolean>('document.documentElement.scrollWidth <= 375'),
      'at 375 px nothing scrolls sideways',
    );
    await page.getByRole('link', { name: 'Entries' }).click();
    await page.getByRole('heading', { name: 'Entries' }).waitFor();
    await page.getByText('By the river').waitFor();
    await accessible('entries');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await page.reload();
    await page.waitForURL('**/sign-in');
    t.pass('signed out stays signed out across a reload');
    t.same(problems, [], 'no console errors (a CSP refusal would be one)');
  },
);
