import { waitFor } from '@mindflow/core/testing';
import t from 'tap';
import { openJournal } from './journal.js';

// Habits in the browser: a goal set on the page, met by the writer's entries, and the
// achievements those entries unlocked.
t.test('habits: set a goal, see it met, see the achievements', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/habits', 'Habits');
  await page.getByText('No goal yet. Set one below.').waitFor();
  await journal.accessible('habits, empty');

  const form = page.getByRole('form', { name: 'New goal' });
  await form.getByLabel('Goal').selectOption('streak');
  await form.getByLabel('Target').fill('2');
  await form.getByRole('button', { name: 'Set goal' }).click();
  await page.getByText('2 days in a row').waitFor();
  t.pass('the goal is listed');

  // Yesterday and today, on the writer's clock (UTC): two days in a row.
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await journal.call('POST', '/v1/entries', { date: yesterday, title: 'Yesterday', content: 'One.' });
  await journal.call('POST', '/v1/entries', { date: today, title: 'Today', content: 'Two.' });
  await page.reload();
  await page.getByText('2 of 2 · met').waitFor();
  const unlocked = page.getByRole('list', { name: 'Unlocked' });
  await unlocked.getByText('First entry', { exact: true }).waitFor();
  await unlocked.getByText('Goal met', { exact: true }).waitFor();
  t.pass('first-entry and goal-met are unlocked');
  await journal.accessible('habits, with a goal and achievements');

  await page.getByRole('button', { name: 'Remove the goal: 2 days in a row' }).click();
  await page.getByText('No goal yet. Set one below.').waitFor();
  t.pass('removed');
  t.same(journal.problems, [], 'no console error');
});

t.test('today: the prompt of the day above the editor, and a template picker', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/today', /Today/);
  const prompt = await journal.call<{ id: string; text: string }>('GET', '/v1/prompts/today');
  await page.getByText(prompt.text).first().waitFor();
  await journal.accessible('today, with the prompt and the templates');

  await page.getByLabel('Start from a template').selectOption({ label: 'Daily review' });
  t.equal(await page.getByLabel('Title').inputValue(), 'Today, looking back', 'the template fills the title');
  await page.getByRole('button', { name: 'Write from this prompt' }).click();
  await page.getByRole('status').filter({ hasText: /Saved/ }).waitFor();
  const today = new Date().toISOString().slice(0, 10);
  // The page's save is read back here without its position: the list has it once the read model does.
  const list = () =>
    journal.call<{ items: { id: string; promptId?: string; title: string }[] }>(
      'GET',
      `/v1/entries?from=${today}&to=${today}`,
    );
  const listed = await waitFor(async () => {
    const answer = await list();
    return answer.items.length > 0 ? answer : undefined;
  }, 10_000).catch(list);
  t.match(listed.items, [{ title: 'Today, looking back', promptId: prompt.id }], 'saved with the prompt’s id');
  t.same(journal.problems, [], 'no console error');
});

t.test('habits: a template and a prompt of one’s own, saved on the page and offered above a new entry', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/habits', 'Habits');
  await page.getByText('None of your own yet. Three built-in ones', { exact: false }).waitFor();

  const template = page.getByRole('form', { name: 'New template' });
  await template.getByLabel('Template name').fill('Evening pages');
  await template.getByLabel('Title').fill('This evening');
  await template.getByLabel('Entry').fill('What went well?');
  await template.getByRole('button', { name: 'Save template' }).click();
  await page.getByRole('button', { name: 'Remove the template: Evening pages' }).waitFor();
  t.pass('the template is listed');

  const prompt = page.getByRole('form', { name: 'New prompt' });
  await prompt.getByLabel('Prompt').fill('What did you notice today?');
  await prompt.getByRole('button', { name: 'Add prompt' }).click();
  await page.getByRole('button', { name: 'Remove the prompt: What did you notice today?' }).waitFor();
  t.pass('the prompt is listed');
  await journal.accessible('habits, with a template and a prompt of one’s own');

  await journal.open('/today', /Today/);
  await page.getByLabel('Start from a template').selectOption({ label: 'Evening pages' });
  t.equal(await page.getByLabel('Title').inputValue(), 'This evening', 'one’s own template fills the title');

  await journal.open('/habits', 'Habits');
  await page.getByRole('button', { name: 'Remove the template: Evening pages' }).click();
  await page.getByRole('button', { name: 'Remove the prompt: What did you notice today?' }).click();
  await page.getByText('None of your own yet.', { exact: true }).waitFor();
  const own = await journal.call<{ items: unknown[] }>('GET', '/v1/prompts');
  t.same(own.items, [], 'the prompt is gone');
  t.same(journal.problems, [], 'no console error');
});
