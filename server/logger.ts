import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; secrets that could reach a log line through headers are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'kho-du-lieu-gateway' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  });
}
