import { readFile } from 'node:fs/promises';
import t from 'tap';
import { analyzeText, type SentimentLabel } from './analyze.js';

interface Labeled {
  readonly text: string;
  readonly label: SentimentLabel;
}

const labels: readonly SentimentLabel[] = ['positive', 'neutral', 'negative'];
const set = JSON.parse(await readFile(new URL('journal-sentiment.json', import.meta.url), 'utf8')) as Labeled[];

// The set: 240 one- or two-sentence diary lines written for this project (80 positive, 80
// neutral, 80 negative), labelled by what a careful reader would say, never tuned to a lexicon.
//
// The floor: guessing, or always answering one label, scores a third on a balanced three-way
// set. wink-nlp's lexicon scored 0.788 here when the floor was set (positive 70/80, neutral
// 68/80, negative 51/80: it misses negatives told as facts, "my boss yelled at me"). The floor
// sits 0.09 below that (about 20 sentences of slack for model updates), twice chance; and no
// class may fall below half, so that a lexicon that gave up on one mood cannot pass.
const floor = 0.7;
const classFloor = 0.5;

t.test('sentiment accuracy on the project’s labeled journal sentences', async (t) => {
  t.equal(set.length, 240);
  for (const label of labels) t.equal(set.filter((item) => item.label === label).length, 80, `balanced: ${label}`);
  const confusion = new Map(labels.map((label) => [label, new Map(labels.map((other) => [other, 0]))]));
  let right = 0;
  for (const item of set) {
    const found = analyzeText(item.text).sentiment.label;
    const row = confusion.get(item.label);
    row?.set(found, (row.get(found) ?? 0) + 1);
    if (found === item.label) right += 1;
  }
  const accuracy = right / set.length;
  t.comment(`accuracy ${(accuracy * 100).toFixed(1)} % (${String(right)} of ${String(set.length)})`);
  for (const label of labels) {
    const row = confusion.get(label);
    t.comment(`${label.padEnd(8)} → ${labels.map((other) => `${other} ${String(row?.get(other))}`).join(', ')}`);
  }
  t.ok(accuracy >= floor, `accuracy ${accuracy.toFixed(3)} is at least ${String(floor)}`);
  for (const label of labels) {
    const recall = (confusion.get(label)?.get(label) ?? 0) / 80;
    t.ok(recall >= classFloor, `${label}: ${recall.toFixed(2)} of its sentences found`);
  }
});

t.test('one analysis per text: score in range, label, themes with counts, language', async (t) => {
  const text =
    'Morning run by the river. The river was calm and the run felt great. Later, coffee with Ana at the coffee shop.';
  const analysis = analyzeText(text);
  t.same(analyzeText(text), analysis, 'deterministic');
  t.ok(analysis.sentiment.score > 0 && analysis.sentiment.score <= 1);
  t.equal(analysis.sentiment.label, 'positive');
  t.match(analysis.themes, [{ phrase: 'river', count: 2 }]);
  t.ok(analysis.themes.every((theme) => theme.count >= 1 && theme.phrase.length >= 3));
  t.equal(analysis.language, 'en');
  t.equal(
    analyzeText('Hoje acordei cedo e fui correr na praia com a minha irmã, depois almoçamos juntas.').language,
    'pt',
  );
  t.equal(analyzeText('ok').language, 'und', 'too short to tell');
  t.equal(analyzeText('An awful, miserable night: I felt sick and scared.').sentiment.label, 'negative');
});
