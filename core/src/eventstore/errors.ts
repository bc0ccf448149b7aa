import { AppError } from '../errors/index.js';

/** An append at a version the stream is no longer (or not yet) at: someone else wrote first. */
export class StreamVersionConflict extends AppError {
  readonly streamId: string;
  readonly expectedVersion: number;
  readonly actualVersion: number | undefined;

  constructor(streamId: string, expectedVersion: number, actualVersion: number | undefined, cause?: unknown) {
    super(
      'CONFLICT',
      `stream ${streamId} is at version ${actualVersion ?? 'unknown'}, not ${expectedVersion}`,
      cause === undefined ? {} : { cause },
    );
    this.name = 'StreamVersionConflict';
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}
