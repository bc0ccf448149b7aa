import type { Migration } from 'kysely';
import * as eventStore from './0001-event-store.js';
import * as userKeys from './0002-user-keys.js';
import * as writeTables from './0003-write-tables.js';
import * as relayCheckpoints from './0004-relay-checkpoints.js';
import * as aiWorker from './0005-ai-worker.js';
import * as attachmentUploads from './0006-attachment-uploads.js';
import * as dataExports from './0007-data-exports.js';
import * as erasureFence from './0008-erasure-fence-and-master-keys.js';
import * as uploadStaging from './0009-attachment-upload-staging.js';
import * as reminders from './0010-reminders.js';
import * as achievements from './0011-achievements.js';
import * as goals from './0012-goals.js';
import * as templates from './0013-templates.js';
import * as prompts from './0014-prompts.js';
import * as streaksRecount from './0015-streaks-recount.js';
import * as userFenceFunction from './0016-user-fence-function.js';

/** mindflow_write: the event store and the normalized tables that enforce invariants. */
export const writeMigrations: Record<string, Migration> = {
  '0001-event-store': eventStore,
  '0002-user-keys': userKeys,
  '0003-write-tables': writeTables,
  '0004-relay-checkpoints': relayCheckpoints,
  '0005-ai-worker': aiWorker,
  '0006-attachment-uploads': attachmentUploads,
  '0007-data-exports': dataExports,
  '0008-erasure-fence-and-master-keys': erasureFence,
  '0009-attachment-upload-staging': uploadStaging,
  '0010-reminders': reminders,
  '0011-achievements': achievements,
  '0012-goals': goals,
  '0013-templates': templates,
  '0014-prompts': prompts,
  '0015-streaks-recount': streaksRecount,
  '0016-user-fence-function': userFenceFunction,
};
