import { unsubscribeTokens, type EmailKind, type MailMessage, type UnsubscribeTokens } from '@mindflow/core/mail';

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

/** Where an email's links lead: the web app's address, and the signer of unsubscribe links. */
export interface MailLinks {
  /** The web app as writers reach it, e.g. https://mindflow.example (MAIL_LINK_BASE_URL). */
  readonly baseUrl: string;
  readonly tokens: UnsubscribeTokens;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${String(char.codePointAt(0))};`);

/**
 * A message to a writer that they can turn off: `List-Unsubscribe` with a signed one-click link
 * (RFC 8058: a POST to it turns that kind of email off, no sign-in), `List-Unsubscribe-Post`,
 * and a footer with the same link and one to the settings.
 */
function optOutMessage(
  links: MailLinks,
  to: { readonly userId: string; readonly email: string },
  kind: EmailKind,
  message: { key: string; subject: string; paragraphs: readonly string[] },
): MailMessage {
  const unsubscribe = `${links.baseUrl}/v1/unsubscribe?token=${links.tokens.sign(to.userId, kind)}`;
  const settings = `${links.baseUrl}/settings`;
  const footer = [
    `You get this email because you asked for it in your settings: ${settings}`,
    `To stop this kind of email: ${unsubscribe}`,
  ];
  const html = (text: string) => escapeHtml(text).replace(/\n/g, '<br>');
  return {
    key: message.key,
    to: to.email,
    subject: message.subject,
    text: `${[...message.paragraphs, '— MindFlow', footer.join('\n')].join('\n\n')}\n`,
    html: [
      ...message.paragraphs.map((paragraph) => `<p>${html(paragraph)}</p>`),
      '<p>— MindFlow</p>',
      `<p style="font-size:small;color:#666">You get this email because you asked for it in your <a href="${escapeHtml(settings)}">settings</a>. <a href="${escapeHtml(unsubscribe)}">Stop this kind of email</a>.</p>`,
      '',
    ].join('\n'),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/** The reminder to write: no journal text, only the invitation. Keyed by its notification (one a day). */
export function reminderEmail(
  links: MailLinks,
  to: { readonly userId: string; readonly email: string },
  notificationId: string,
): MailMessage {
  return optOutMessage(links, to, 'reminder', {
    key: `reminder.${notificationId}`,
    subject: 'A moment to write today?',
    paragraphs: [
      'Hello,',
      'You asked MindFlow to remind you to write, and today’s page is still empty.',
      `A few lines are enough: ${links.baseUrl}/`,
    ],
  });
}

/** What an insight digest says: the insight's own words and figures, nothing else of the journal. */
export interface DigestInsight {
  readonly insightId: string;
  readonly kind: 'weekly' | 'monthly';
  readonly from: string;
  readonly to: string;
  readonly summary: string;
  readonly stats: Record<string, unknown>;
}

/** The weekly or monthly insight, by email, for a writer who opted in. Keyed by the insight. */
export function insightDigest(
  links: MailLinks,
  to: { readonly userId: string; readonly email: string },
  insight: DigestInsight,
): MailMessage {
  const entries = typeof insight.stats.entries === 'number' ? insight.stats.entries : undefined;
  const suggestions = Array.isArray(insight.stats.suggestions)
    ? insight.stats.suggestions.filter((s): s is string => typeof s === 'string')
    : [];
  return optOutMessage(links, to, insight.kind, {
    key: `insight.${insight.insightId}`,
    subject: `Your ${insight.kind} insight, ${insight.from} to ${insight.to}`,
    paragraphs: [
      'Hello,',
      `Your ${insight.kind} insight for ${insight.from} to ${insight.to} is ready${entries === undefined ? '' : ` (${String(entries)} ${entries === 1 ? 'entry' : 'entries'})`}.`,
      insight.summary,
      ...(suggestions.length === 0
        ? []
        : [`Ideas for the days ahead:\n${suggestions.map((s) => `- ${s}`).join('\n')}`]),
      `See it in full: ${links.baseUrl}/insights`,
    ],
  });
}

/** The links of writers' emails: to the web app at `baseUrl` (default the platform on this machine), signed with the token secret. */
export function mailLinks(jwtSecret: string, baseUrl = 'http://localhost:8080'): MailLinks {
  return { baseUrl, tokens: unsubscribeTokens(jwtSecret) };
}
