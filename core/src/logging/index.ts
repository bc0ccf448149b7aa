import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggingConfig {
  readonly level: LevelWithSilent;
  /** Human-readable lines instead of JSON (for a terminal). */
  readonly pretty: boolean;
}

/** The one way to make a logger: structured JSON (pino), pretty-printed when asked. */
export function createLogger(config: LoggingConfig, name: string): Logger {
  return pino({
    name,
    level: config.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.accessToken'],
      censor: '[redacted]',
    },
    ...(config.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname',
            },
          },
        }
      : {}),
  });
}
