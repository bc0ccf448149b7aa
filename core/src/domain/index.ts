export * from './entry.js';
export * from './user.js';
export * from './streaks.js';
export { ruleViolation, type DomainEvent } from './rules.js';
export * from './mood.js';
export { decideInsightRequest, maxInsightDays, type InsightRequest } from './insight.js';
export { decideNotificationRead, notificationIdOf, notificationState, type NotificationState } from './notification.js';
export * from './streams.js';
export { findBadText, textLength, textProblem } from './text.js';
