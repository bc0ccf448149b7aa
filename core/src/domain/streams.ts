// The event store's stream ids, one stream per aggregate: every writer names a stream the same way.

/** A user: registration, profile, settings, consent, roles, erasure. */
export const userStream = (userId: string) => `user-${userId}`;
/** A journal entry and its versions. */
export const entryStream = (entryId: string) => `entry-${entryId}`;
/** An attachment: its upload, thumbnail and removal. */
export const attachmentStream = (attachmentId: string) => `attachment-${attachmentId}`;
/** An insight: its request and the ai-worker's answer. */
export const insightStream = (insightId: string) => `insight-${insightId}`;
/** A data export a user asked for. */
export const exportStream = (exportId: string) => `export-${exportId}`;
/** The ai-worker's analyses of one entry. */
export const analysisStream = (entryId: string) => `analysis-${entryId}`;
/** An in-app notification: raised, then read. */
export const notificationStream = (notificationId: string) => `notification-${notificationId}`;
/** A writer's achievements, each unlocked once. */
export const achievementStream = (userId: string) => `achievements-${userId}`;
/** A writer's goal: set, changed, removed. */
export const goalStream = (goalId: string) => `goal-${goalId}`;
/** A writer's entry template: created, changed, removed. */
export const templateStream = (templateId: string) => `template-${templateId}`;
/** A writer's own writing prompt: added, removed. */
export const promptStream = (promptId: string) => `prompt-${promptId}`;
