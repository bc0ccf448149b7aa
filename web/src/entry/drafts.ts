import { del, get, set } from 'idb-keyval';
import type { EntryDraft } from '../api/types';

/** A draft kept on this device until the server has it: what was written, and on which version. */
export interface StoredDraft {
  readonly draft: EntryDraft;
  /** The entry and version the draft was written on; null before the entry was first saved. */
  readonly base: { readonly id: string; readonly version: number } | null;
}

// One writer's drafts never show to another who signs in on the same browser.
const keyOf = (userId: string, date: string) => `mindflow:draft:${userId}:${date}`;

/**
 * Drafts in IndexedDB (idb-keyval): written on every change, removed once saved, read when the
 * day's entry opens, so a reload or a lost connection loses nothing. Failures of the store
 * (private windows, a full disk) cost only this safety net, never the writing.
 */
export const drafts = {
  keep: (userId: string, date: string, stored: StoredDraft) => set(keyOf(userId, date), stored).catch(() => undefined),
  forget: (userId: string, date: string) => del(keyOf(userId, date)).catch(() => undefined),
  read: (userId: string, date: string) => get<StoredDraft>(keyOf(userId, date)).catch(() => undefined),
};
