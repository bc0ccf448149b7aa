import type { AuditAction, DataCategory, NewAuditRecord } from '@mindflow/core/audit';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';

type Event = DecodedEvent<MindflowEvents>;

/** The audited events, their action and why the record is kept. Derived facts are not audited. */
const actions: Partial<Record<Event['type'], readonly [AuditAction, DataCategory]>> = {
  UserRegistered: ['ACCOUNT_CREATE', 'account'],
  UserLoggedIn: ['LOGIN', 'authentication'],
  LoginFailed: ['LOGIN_FAILED', 'authentication'],
  UserLoggedOut: ['LOGOUT', 'authentication'],
  PasswordChanged: ['PASSWORD_CHANGE', 'authentication'],
  EntryCreated: ['ENTRY_CREATE', 'journal'],
  EntryUpdated: ['ENTRY_UPDATE', 'journal'],
  EntryDeleted: ['ENTRY_DELETE', 'journal'],
  EntryRestored: ['ENTRY_RESTORE', 'journal'],
  AttachmentAdded: ['ATTACHMENT_ADD', 'journal'],
  AttachmentRemoved: ['ATTACHMENT_REMOVE', 'journal'],
  DataExportRequested: ['DATA_EXPORT', 'data-subject-rights'],
  AccountDeletionRequested: ['ACCOUNT_DELETE', 'data-subject-rights'],
  UserErased: ['ACCOUNT_DELETE', 'data-subject-rights'],
  SettingsUpdated: ['SETTINGS_UPDATE', 'account'],
  RemindersSet: ['SETTINGS_UPDATE', 'account'],
  UserProfileUpdated: ['PROFILE_UPDATE', 'account'],
  ConsentRecorded: ['GDPR_CONSENT_UPDATE', 'consent'],
  RoleGranted: ['ROLE_GRANTED', 'access-control'],
  RoleRevoked: ['ROLE_REVOKED', 'access-control'],
  GoalSet: ['GOAL_SET', 'journal'],
  GoalChanged: ['GOAL_UPDATE', 'journal'],
  GoalRemoved: ['GOAL_REMOVE', 'journal'],
  TemplateCreated: ['TEMPLATE_CREATE', 'journal'],
  TemplateChanged: ['TEMPLATE_UPDATE', 'journal'],
  TemplateRemoved: ['TEMPLATE_REMOVE', 'journal'],
};

/** Entry fields whose values may be recorded: the writer's text (title, content, tags…) never is. */
export const entryFactFields = ['date', 'mood', 'isPrivate', 'wordCount', 'readingTime'] as const;
/** Profile fields whose values may be recorded (the name and photo are personal). */
export const profileFactFields = ['timezone', 'language', 'theme'] as const;

export type Facts = Readonly<Record<string, unknown>>;
export interface Change {
  readonly before: unknown;
  readonly after: unknown;
}

export function isAudited(type: Event['type']): boolean {
  return actions[type] !== undefined;
}

/** Before and after of each changed fact; the names of changed fields whose values are not recorded. */
export function changesOf(before: Facts, changes: Facts, recorded: readonly string[]) {
  const facts: Record<string, Change> = {};
  const changedFields: string[] = [];
  for (const [field, after] of Object.entries(changes)) {
    if (recorded.includes(field)) {
      if (JSON.stringify(before[field] ?? null) !== JSON.stringify(after))
        facts[field] = { before: before[field] ?? null, after };
    } else {
      changedFields.push(field);
    }
  }
  return { changes: facts, ...(changedFields.length === 0 ? {} : { changedFields: changedFields.sort() }) };
}

function pick(data: Facts, fields: readonly string[]): Facts {
  return Object.fromEntries(fields.filter((field) => field in data).map((field) => [field, data[field]]));
}

/** What the record says about the event: ids, non-personal facts, changes and reasons. */
function metadataOf(event: Event, before: Facts): Record<string, unknown> {
  switch (event.type) {
    case 'EntryCreated':
      return { entryId: event.data.entryId, ...pick(event.data, entryFactFields) };
    case 'EntryUpdated':
      return { entryId: event.data.entryId, ...changesOf(before, event.data.changes, entryFactFields) };
    case 'EntryDeleted':
    case 'EntryRestored':
      return { entryId: event.data.entryId };
    case 'AttachmentAdded':
      return {
        entryId: event.data.entryId,
        attachmentId: event.data.attachmentId,
        contentType: event.data.contentType,
        size: event.data.size,
      };
    case 'AttachmentRemoved':
      return { entryId: event.data.entryId, attachmentId: event.data.attachmentId };
    case 'LoginFailed':
      return { reason: event.data.reason };
    case 'UserLoggedIn':
    case 'UserLoggedOut':
      return { sessionId: event.data.sessionId };
    case 'PasswordChanged':
      return { sessionsEnded: event.data.sessionsEnded };
    case 'UserRegistered':
      return pick(event.data, profileFactFields);
    case 'UserProfileUpdated':
      return changesOf(before, event.data.changes, profileFactFields);
    case 'SettingsUpdated':
    case 'RemindersSet':
      return changesOf(before, event.data, Object.keys(event.data));
    case 'ConsentRecorded':
      return { consent: event.data };
    case 'RoleGranted':
    case 'RoleRevoked':
      return { role: event.data.role };
    case 'DataExportRequested':
      return { exportId: event.data.exportId };
    // A goal has no text: what it counts and its target are the record.
    case 'GoalSet':
      return { goalId: event.data.goalId, kind: event.data.kind, target: event.data.target };
    case 'GoalChanged':
      return { goalId: event.data.goalId, target: event.data.target };
    case 'GoalRemoved':
      return { goalId: event.data.goalId };
    // A template's text (name, title, content, tags) is the writer's: only which fields changed.
    case 'TemplateCreated':
    case 'TemplateRemoved':
      return { templateId: event.data.templateId };
    case 'TemplateChanged':
      return { templateId: event.data.templateId, changedFields: Object.keys(event.data.changes).sort() };
    case 'AccountDeletionRequested':
      // The writer's own words stay out: only whether they gave a reason.
      return { stage: 'requested', reasonGiven: event.data.reason !== null };
    case 'UserErased':
      return { stage: 'erased' };
    default:
      return {};
  }
}

/**
 * The audit record of an event, or undefined when the event is not audited. `before` holds the
 * facts as they stood before it (for updates: the entry, the profile or the settings).
 */
export function auditRecordOf(event: Event, before: Facts = {}): NewAuditRecord | undefined {
  const audited = actions[event.type];
  if (audited === undefined) return undefined;
  const [action, dataCategory] = audited;
  const { metadata } = event;
  return {
    eventId: event.eventId,
    userId: event.userId,
    actorId: metadata.actorId ?? event.userId,
    actorRole: metadata.actorRole ?? null,
    action,
    timestamp: event.occurredAt,
    metadata: metadataOf(event, before),
    ipAddress: metadata.ip ?? null,
    userAgent: metadata.userAgent ?? null,
    requestId: metadata.requestId ?? null,
    dataCategory,
  };
}
