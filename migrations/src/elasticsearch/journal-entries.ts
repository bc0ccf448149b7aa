// The search index of journal entries: an index template for the versioned indices
// `<alias>_v<n>` that sit behind the alias `<alias>` (journal_entries), so that a reindex
// builds a new index and swaps the alias with no downtime. Frozen in time, like the SQL ones.

/** The journal analyzer: standard tokenizer; lowercase, accents folded, English stop words, stems. */
export const journalAnalysis = {
  analyzer: {
    journal_analyzer: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'asciifolding', 'stop', 'snowball'],
    },
  },
} as const;

export const journalEntriesMappings = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    userId: { type: 'keyword' },
    title: { type: 'text', analyzer: 'journal_analyzer' },
    content: { type: 'text', analyzer: 'journal_analyzer', term_vector: 'with_positions_offsets' },
    mood: { type: 'keyword' },
    tags: { type: 'keyword' },
    location: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
    weather: { type: 'keyword', ignore_above: 256 },
    date: { type: 'date', format: 'yyyy-MM-dd' },
    wordCount: { type: 'integer' },
    isPrivate: { type: 'boolean' },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
    tagSuggest: {
      type: 'completion',
      analyzer: 'keyword',
      contexts: [{ name: 'userId', type: 'category' }],
    },
  },
} as const;

/** The index template body for the indices behind `alias`. */
export function journalEntriesTemplate(alias: string) {
  return {
    name: `${alias}_template`,
    index_patterns: [`${alias}_v*`],
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0, analysis: journalAnalysis },
      mappings: journalEntriesMappings,
    },
  };
}
