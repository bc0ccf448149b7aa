/**
 * What an insight's writer is given: figures and themes of one period, and excerpts of the
 * entries the user lets the AI read (never a private entry, never a user in private mode).
 */
export interface InsightBrief {
  readonly kind: 'weekly' | 'monthly' | 'yearly' | 'custom';
  readonly from: string;
  readonly to: string;
  /** The user's language (en, pt): what the summary is written in. */
  readonly language: string;
  readonly stats: {
    readonly entries: number;
    readonly entriesAnalyzed: number;
    readonly totalWords: number;
    readonly averageWords: number;
    readonly mostProductiveWeekday: string | null;
    readonly longestStreak: number;
    readonly moods: { readonly positive: number; readonly neutral: number; readonly negative: number };
    readonly dominantMood: string | null;
    readonly themes: readonly { readonly phrase: string; readonly count: number; readonly sentiment: number }[];
    readonly milestones: readonly string[];
  };
  /** Sentences from the period's entries, most representative first. */
  readonly excerpts: readonly string[];
}

/** The prose of an insight. */
export interface InsightProse {
  readonly summary: string;
  readonly suggestions: readonly string[];
  /** Which writer produced it (local, or the remote model's name). */
  readonly writtenBy: string;
}

/** Writes an insight's summary and suggestions from its brief. */
export interface InsightWriter {
  readonly name: string;
  write(brief: InsightBrief): Promise<InsightProse>;
}
