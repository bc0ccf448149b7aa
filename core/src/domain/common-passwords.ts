import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/**
 * Whether `password` is on the list of common (breached) passwords that zxcvbn-ts ships:
 * about 49,000, most common first, from public password dumps. Compared case-insensitively;
 * the list is loaded on first use.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((known) => known.toLowerCase()));
  return common.has(password.trim().toLowerCase());
}
