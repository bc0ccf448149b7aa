import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The kinds of email a writer can turn off, and the setting each one follows. */
export const emailSettingOf = {
  reminder: 'emailReminderToWrite',
  weekly: 'emailWeeklyInsights',
  monthly: 'emailMonthlyInsights',
} as const;
export type EmailKind = keyof typeof emailSettingOf;

const isKind = (kind: string): kind is EmailKind => Object.hasOwn(emailSettingOf, kind);

/**
 * Signs and reads the token of an email's unsubscribe link (RFC 8058): `<userId>.<kind>.<mac>`,
 * an HMAC-SHA256 under a key derived from the token secret for this use alone. It never expires
 * (an old email's link still works) and it can do one thing only: turn that kind of email off
 * for that writer.
 */
export interface UnsubscribeTokens {
  sign(userId: string, kind: EmailKind): string;
  /** The writer and kind a token names, or undefined when it is forged, altered or malformed. */
  read(token: string): { readonly userId: string; readonly kind: EmailKind } | undefined;
}

export function unsubscribeTokens(secret: string): UnsubscribeTokens {
  const key = Buffer.from(hkdfSync('sha256', secret, 'mindflow', 'email unsubscribe links', 32));
  const mac = (userId: string, kind: string) =>
    createHmac('sha256', key).update(`${userId}.${kind}`).digest('base64url');
  return {
    sign: (userId, kind) => `${userId}.${kind}.${mac(userId, kind)}`,
    read: (token) => {
      const [userId, kind, given, ...rest] = token.split('.');
      if (userId === undefined || kind === undefined || given === undefined || rest.length > 0 || !isKind(kind)) {
        return undefined;
      }
      const expected = Buffer.from(mac(userId, kind));
      const actual = Buffer.from(given);
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
      return { userId, kind };
    },
  };
}
