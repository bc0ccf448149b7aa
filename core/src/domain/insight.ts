import { AppError } from '../errors/index.js';
import { isEntryDate } from './entry.js';
import { ruleViolation, type DomainEvent } from './rules.js';

export type InsightKind = 'weekly' | 'monthly' | 'yearly' | 'custom';

export interface InsightRequest {
  readonly type: InsightKind;
  readonly from: string;
  readonly to: string;
}

/** The longest period an insight may cover, in days. */
export const maxInsightDays = 366;

const day = 86_400_000;

/**
 * A user asks for an insight over [from, to]: a real, ended-or-current period of at most a
 * year, and never while private mode keeps their writing from the AI.
 */
export function decideInsightRequest(
  request: InsightRequest,
  state: { readonly insightId: string; readonly privateMode: boolean; readonly today: string },
): DomainEvent[] {
  if (!isEntryDate(request.from)) throw ruleViolation('/from', 'must be a calendar date from 1900 to 2999');
  if (!isEntryDate(request.to)) throw ruleViolation('/to', 'must be a calendar date from 1900 to 2999');
  const from = Date.parse(`${request.from}T00:00:00Z`);
  const to = Date.parse(`${request.to}T00:00:00Z`);
  if (to < from) throw ruleViolation('/to', 'is before from');
  if ((to - from) / day + 1 > maxInsightDays) {
    throw ruleViolation('/to', `the period may cover at most ${String(maxInsightDays)} days`);
  }
  if (request.from > state.today) throw ruleViolation('/from', 'is in the future');
  if (state.privateMode) {
    throw new AppError('CONFLICT', 'private mode is on: nothing of yours goes to the AI, so there is no insight');
  }
  return [
    {
      type: 'InsightRequested',
      data: { insightId: state.insightId, kind: request.type, from: request.from, to: request.to },
    },
  ];
}
