import { defaultUploadDeadline, type UploadDeadline } from '@mindflow/core/http';

/**
 * How uploads behave: how long a multipart body may take (idleMs, totalMs), their links, and
 * the sweeping of abandoned ones.
 */
export interface UploadSettings extends UploadDeadline {
  /** How long a signed upload link lasts. */
  readonly linkSeconds: number;
  /** How often the sweeper looks for expired upload links. */
  readonly sweepEveryMs: number;
  /** How long after its link expired an upload is swept (time for a PUT begun just before). */
  readonly sweepGraceSeconds: number;
}

export const defaultUploadSettings: UploadSettings = Object.freeze({
  ...defaultUploadDeadline,
  linkSeconds: 15 * 60,
  sweepEveryMs: 60_000,
  sweepGraceSeconds: 5 * 60,
});
