/** How a batch writer buffers and writes. */
export interface BatchWriterOptions<T> {
  /** Writes one batch; a rejection drops the batch. */
  readonly write: (items: readonly T[]) => Promise<void>;
  /** How long an item waits at most before its batch is written, in ms. */
  readonly flushMs: number;
  /** Most items per write; a full batch is written at once. */
  readonly maxBatch: number;
  /** Most items waiting; beyond it new items are dropped (and counted). */
  readonly maxBuffered: number;
  /** Told of a failed write and how many items it dropped. Must not throw. */
  readonly onError?: (error: unknown, lost: number) => void;
}

/** Items buffered in memory and written in batches, in order, one write at a time. */
export interface BatchWriter<T> {
  /** Buffers an item (dropped and counted when the buffer is full or the writer closed). Never throws. */
  add(item: T): void;
  /** Writes everything buffered; resolves when it is written or dropped. Never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops: later items are dropped. */
  close(): Promise<void>;
  /** How many items were lost: buffer full, writer closed or write failed. */
  dropped(): number;
  /** How many items wait to be written. */
  pending(): number;
}

/**
 * A writer that buffers items and writes them in batches of at most `maxBatch`: when a batch
 * is full, else `flushMs` after the first item waiting. A failed write drops its batch; a
 * full buffer drops new items. Its timer never keeps the process alive.
 */
export function createBatchWriter<T>(options: BatchWriterOptions<T>): BatchWriter<T> {
  const { write, flushMs, maxBatch, maxBuffered, onError } = options;
  let buffer: T[] = [];
  let lost = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  /** Writes batch after batch until nothing waits. */
  const drain = async (): Promise<void> => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      buffer = buffer.slice(batch.length);
      try {
        await write(batch);
      } catch (error) {
        lost += batch.length;
        try {
          onError?.(error, batch.length);
        } catch {
          // a reporter that fails must not stop the writes
        }
      }
    }
  };

  const flush = (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    running ??= drain().finally(() => {
      running = undefined;
      if (buffer.length > 0) schedule();
    });
    return running;
  };

  /** Starts the timer of the items waiting, unless one runs or a write is under way. */
  const schedule = (): void => {
    if (timer !== undefined || running !== undefined || closed) return;
    timer = setTimeout(() => void flush(), flushMs);
    timer.unref();
  };

  return {
    add(item) {
      if (closed || buffer.length >= maxBuffered) {
        lost += 1;
        return;
      }
      buffer.push(item);
      if (buffer.length >= maxBatch) void flush();
      else schedule();
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
    dropped: () => lost,
    pending: () => buffer.length,
  };
}
