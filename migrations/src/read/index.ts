import type { Migration } from 'kysely';
import * as textSearchExtensions from './0001-text-search-extensions.js';
import * as projectionOffsets from './0002-projection-offsets.js';
import * as deadLetters from './0003-dead-letters.js';
import * as readModel from './0004-read-model.js';
import * as readPositions from './0005-read-positions.js';
import * as journalSearch from './0006-journal-search.js';
import * as readKeys from './0007-read-keys.js';
import * as audit from './0008-audit.js';
import * as aiViews from './0009-ai-views.js';
import * as projectionVersions from './0011-projection-versions.js';
import * as mailDeliveries from './0012-mail-deliveries.js';
import * as notifications from './0013-notifications.js';
import * as profileReminders from './0014-profile-reminders.js';
import * as achievements from './0015-achievements.js';
import * as goals from './0016-goals.js';
import * as templates from './0017-templates.js';
import * as prompts from './0018-prompts.js';

/** mindflow_read: the denormalized read model, the embedded full-text search and the embedded audit store. */
export const readMigrations: Record<string, Migration> = {
  '0001-text-search-extensions': textSearchExtensions,
  '0002-projection-offsets': projectionOffsets,
  '0003-dead-letters': deadLetters,
  '0004-read-model': readModel,
  '0005-read-positions': readPositions,
  '0006-journal-search': journalSearch,
  '0007-read-keys': readKeys,
  '0008-audit': audit,
  '0009-ai-views': aiViews,
  '0011-projection-versions': projectionVersions,
  '0012-mail-deliveries': mailDeliveries,
  '0013-notifications': notifications,
  '0014-profile-reminders': profileReminders,
  '0015-achievements': achievements,
  '0016-goals': goals,
  '0017-templates': templates,
  '0018-prompts': prompts,
};
