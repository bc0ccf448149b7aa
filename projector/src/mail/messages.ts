import type { MailMessage } from '@mindflow/core/mail';

/** When, in words every reader reads alike: 2026-03-04 20:15 UTC. */
function utc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The email telling an account's owner that someone tried to register with their address. It
 * says nothing of who tried (the stranger's address and agent stay sealed in the event), and
 * holds nothing the owner did not know: no name, no journal text. Keyed by the owner and the
 * clock hour of the attempt: an attempt delivered again is not told again, and a stranger
 * repeating it cannot flood the owner's inbox (one email an hour at most).
 */
export function registrationAttemptNotice(ownerId: string, to: string, at: Date): MailMessage {
  const when = utc(at);
  const paragraphs = [
    `On ${when}, someone asked to create a new MindFlow account with this email address.`,
    'Your account already uses it, so no account was created. The answer they got did not say that yours exists.',
    'If it was you: you already have an account. Sign in with your password.',
    'If it was not you: you can ignore this email; nothing in your account has changed. If you think someone knows your password, sign in and change it under Settings: that ends every other session.',
  ];
  return {
    key: `registration-attempted.${ownerId}.${at.toISOString().slice(0, 13)}`,
    to,
    subject: 'Someone tried to create a MindFlow account with your email',
    text: `Hello,\n\n${paragraphs.join('\n\n')}\n\n— MindFlow\n`,
    html: `<p>Hello,</p>\n${paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join('\n')}\n<p>— MindFlow</p>\n`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
