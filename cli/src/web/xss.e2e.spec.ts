import t from 'tap';
import { openJournal } from './journal.js';

// Hostile Markdown stays text: the preview and the entry view render it sanitized, so nothing
// in an entry runs, opens a dialog or becomes an element that could.
const hostile = [
  '# Hello',
  '<script>window.pwned = "script"</script>',
  '<img src="x" onerror="window.pwned = \'onerror\'">',
  '<svg onload="window.pwned = \'svg\'"></svg>',
  '<iframe src="javascript:window.pwned = \'iframe\'"></iframe>',
  '<a href="javascript:window.pwned = \'raw link\'">raw link</a>',
  '[md link](javascript:window.pwned=%22md%20link%22)',
  '![picture](x" onerror="window.pwned = \'alt\')',
  '<div style="background:url(javascript:alert(1))">styled</div>',
  '<form action="javascript:alert(1)"><button>go</button></form>',
].join('\n\n');

/** What could run inside an element: live elements, handlers, javascript: URLs, inline styles. */
interface Live {
  readonly dangerous: string[];
  readonly handlers: string[];
  readonly scriptLinks: string[];
  readonly styled: number;
}

// Evaluated in the page, as a string: cli's TypeScript has no DOM types.
const liveParts = `(element) => ({
  dangerous: [...element.querySelectorAll('script, iframe, svg, object, embed, form, style, img[onerror], [onload]')]
    .map((node) => node.outerHTML),
  handlers: [...element.querySelectorAll('*')].flatMap((node) =>
    [...node.attributes].filter((attribute) => attribute.name.startsWith('on')).map((attribute) => attribute.name)),
  scriptLinks: [...element.querySelectorAll('[href], [src], [action]')]
    .map((node) => node.getAttribute('href') ?? node.getAttribute('src') ?? node.getAttribute('action') ?? '')
    .filter((url) => /^\\s*javascript:/i.test(url)),
  styled: element.querySelectorAll('[style]').length,
})`;

t.test('script, onerror=, javascript: links and raw HTML in an entry stay inert', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const today = new Date().toISOString().slice(0, 10);
  const { id } = await journal.call<{ id: string }>('POST', '/v1/entries', {
    date: today,
    title: 'Hostile',
    content: hostile,
  });

  const inert = async (where: string, root: string) => {
    const region = page.locator(root);
    await region.getByRole('heading', { name: 'Hello' }).waitFor();
    const found = await page.evaluate<Live>(`(${liveParts})(document.querySelector(${JSON.stringify(root)}))`);
    t.same(found, { dangerous: [], handlers: [], scriptLinks: [], styled: 0 }, `${where}: no live element`);
    t.notMatch(await region.textContent(), /pwned = "script"/, `${where}: raw HTML is dropped, script and all`);
    // Following the Markdown link must not run it either.
    await region.getByText('md link').click();
    await region.getByText('raw link').first().click();
    t.equal(await page.evaluate('window.pwned'), undefined, `${where}: nothing ran`);
  };

  await journal.open('/today', /Today/);
  await inert('the preview', 'section.preview');
  await journal.open(`/entries/${id}`, /Hostile/);
  await inert('the entry view', 'section.content');
  t.same(dialogs, [], 'no dialog opened');
  t.same(journal.problems, [], 'no console error (a CSP refusal of an inline script would be one)');
});
