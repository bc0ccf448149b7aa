import { ruleViolation } from '../domain/rules.js';
import { textLength } from '../domain/text.js';

/**
 * A search as a writer types it, web style: words, "quoted phrases", OR between two clauses,
 * and -word or -"phrase" to exclude. Clauses are ANDed. Parsed into this tree, bounded, and only
 * then turned into an Elasticsearch query or a PostgreSQL tsquery: user text never becomes
 * query DSL or SQL.
 */
export type SearchText = readonly SearchGroup[];
/** Clauses of which at least one must match (a single one, without OR). */
export type SearchGroup = { readonly any: readonly SearchClause[] } | { readonly not: SearchClause };
export interface SearchClause {
  readonly kind: 'word' | 'phrase';
  /** Letters, digits and inner punctuation of the writer's text; never empty. */
  readonly text: string;
}

export const searchLimits = { length: 256, clauses: 16 } as const;

const invalid = (message: string) => ruleViolation('/q', message);

/** Keeps what can be searched for: letters, digits, spaces and a few joiners. */
function clean(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\s'’-]/gu, ' ')
    .replace(/(^|\s)['’-]+|['’-]+(?=\s|$)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The tree of `q`; undefined when it holds nothing to search for. VALIDATION_RULE (422) when longer
 * than 256 characters (code points, as JSON Schema counts them) or of more than 16 clauses.
 */
export function parseSearchText(q: string): SearchText | undefined {
  if (textLength(q) > searchLimits.length) throw invalid(`must be at most ${searchLimits.length} characters`);
  const tokens: { negated: boolean; clause: SearchClause | 'OR' }[] = [];
  const pattern = /(-?)"([^"]*)"?|(\S+)/g;
  for (const match of q.matchAll(pattern)) {
    const [, minus, phrase, word] = match;
    if (word === 'OR') {
      tokens.push({ negated: false, clause: 'OR' });
      continue;
    }
    const negated = minus === '-' || (word?.startsWith('-') === true && word.length > 1);
    const raw = phrase ?? (negated && word !== undefined ? word.slice(1) : (word ?? ''));
    const text = clean(raw);
    if (text.length === 0) continue;
    tokens.push({ negated, clause: { kind: phrase !== undefined && text.includes(' ') ? 'phrase' : 'word', text } });
  }
  const groups: SearchGroup[] = [];
  let orPending = false;
  for (const token of tokens) {
    if (token.clause === 'OR') {
      orPending = groups.length > 0;
      continue;
    }
    const last = groups.at(-1);
    if (token.negated) groups.push({ not: token.clause });
    else if (orPending && last !== undefined && 'any' in last)
      groups[groups.length - 1] = { any: [...last.any, token.clause] };
    else groups.push({ any: [token.clause] });
    orPending = false;
  }
  const clauses = groups.reduce((sum, group) => sum + ('any' in group ? group.any.length : 1), 0);
  if (clauses > searchLimits.clauses) throw invalid(`must have at most ${searchLimits.clauses} words or phrases`);
  return groups.length > 0 ? groups : undefined;
}

/** The tree as PostgreSQL's websearch_to_tsquery syntax, from cleaned parts only. */
export function toWebsearch(text: SearchText): string {
  // A writer's own "or" is a word, not the operator websearch_to_tsquery would make of it.
  const clause = (c: SearchClause) => (c.kind === 'phrase' || /^or$/i.test(c.text) ? `"${c.text}"` : c.text);
  return text.map((group) => ('any' in group ? group.any.map(clause).join(' or ') : `-${clause(group.not)}`)).join(' ');
}
