/**
 * The process logger. SECURITY: every string that enters the log — message, fields, errors and
 * their causes — passes the audit log's secret finder first (log-redaction.ts), so a key pasted
 * into an argument or an error never reaches the log in clear.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import { redactLogArguments } from './log-redaction.js';

export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { service: 'taskgate' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, redactLogArguments(args) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
