/* eslint-disable @typescript-eslint/unbound-method -- wink-nlp's `its.*` are plain functions, passed to `out()` by design */
import { franc } from 'franc-min';
import winkNLP, { type ItemToken } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/** Its English model ships in the package: nothing is downloaded at run time. */
const nlp = winkNLP(model);
const its = nlp.its;

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface EntryAnalysis {
  /** −1 (very negative) … 1 (very positive). */
  readonly sentiment: { readonly score: number; readonly label: SentimentLabel };
  /** Key phrases (runs of nouns), most frequent first. */
  readonly themes: readonly { readonly phrase: string; readonly count: number }[];
  /** ISO 639-1 where recognised (en, pt, es, fr, de), else `und`. */
  readonly language: string;
}

/** Scores within ±0.1 of zero read as neutral: a lexicon's stray words are not a mood. */
export const neutralBand = 0.1;

export function sentimentLabel(score: number): SentimentLabel {
  if (score > neutralBand) return 'positive';
  if (score < -neutralBand) return 'negative';
  return 'neutral';
}

const languages: Record<string, string> = { eng: 'en', por: 'pt', spa: 'es', fra: 'fr', deu: 'de' };

export function languageOf(text: string): string {
  return languages[franc(text, { only: Object.keys(languages), minLength: 20 })] ?? 'und';
}

const nounTags = new Set(['NOUN', 'PROPN']);

/** Runs of nouns (normalised, lower case, stop words out), counted; the most frequent first. */
function themesOf(tokens: ItemToken[], limit: number) {
  const counts = new Map<string, number>();
  let run: string[] = [];
  const close = () => {
    if (run.length > 0) {
      const phrase = run.join(' ');
      counts.set(phrase, (counts.get(phrase) ?? 0) + 1);
    }
    run = [];
  };
  for (const token of tokens) {
    const word =
      token.out(its.type) === 'word' && nounTags.has(token.out(its.pos)) && !token.out(its.stopWordFlag)
        ? token.out(its.normal)
        : undefined;
    if (word !== undefined && word.length >= 3) run.push(word);
    else close();
  }
  close();
  return [...counts]
    .map(([phrase, count]) => ({ phrase, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, limit);
}

/**
 * Sentiment, themes and language of a journal entry (title and Markdown content), computed
 * locally and deterministically: the same text always gives the same analysis.
 */
export function analyzeText(text: string, maxThemes = 8): EntryAnalysis {
  const doc = nlp.readDoc(text);
  const score = Math.max(-1, Math.min(1, Number(doc.out(its.sentiment))));
  const tokens: ItemToken[] = [];
  doc.tokens().each((token: ItemToken) => {
    tokens.push(token);
  });
  return {
    sentiment: { score: Math.round(score * 1000) / 1000, label: sentimentLabel(score) },
    themes: themesOf(tokens, maxThemes),
    language: languageOf(text),
  };
}

/** The text's sentences, as the model splits them. */
export function sentencesOf(text: string): string[] {
  return nlp.readDoc(text).sentences().out();
}
