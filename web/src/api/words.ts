import type { TFunction } from 'i18next';
import { ApiError } from './client';

const known = ['UNAUTHENTICATED', 'RATE_LIMITED', 'VALIDATION_FAILED', 'CONFLICT', 'ENGINE_UNAVAILABLE', 'INTERNAL'];

/** An error as a sentence for the writer, never a bare code. */
export function inWords(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const key = known.includes(error.code) ? error.code : 'other';
    return t(`errors.${key}`, { message: error.message });
  }
  if (error instanceof TypeError) return t('errors.network');
  return t('errors.other', { message: error instanceof Error ? error.message : String(error) });
}
