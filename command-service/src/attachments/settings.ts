/** How uploads behave: their links, their time limits and the sweeping of abandoned ones. */
export interface UploadSettings {
  /** How long a signed upload link lasts. */
  readonly linkSeconds: number;
  /** A multipart upload that sends no byte for this long is answered 408 and dropped. */
  readonly idleMs: number;
  /** A multipart upload still arriving after this long is answered 408 and dropped. */
  readonly totalMs: number;
  /** How often the sweeper looks for expired upload links. */
  readonly sweepEveryMs: number;
  /** How long after its link expired an upload is swept (time for a PUT begun just before). */
  readonly sweepGraceSeconds: number;
}

export const defaultUploadSettings: UploadSettings = Object.freeze({
  linkSeconds: 15 * 60,
  idleMs: 30_000,
  totalMs: 30 * 60_000,
  sweepEveryMs: 60_000,
  sweepGraceSeconds: 5 * 60,
});
