/**
 * Email over SMTP with nodemailer, configured by one URL (`smtp://user:pass@host:587`,
 * `smtps://…` for implicit TLS). A refused or unreachable server is an error the delivery
 * job retries; nothing is dropped.
 */
import { createRequire } from 'node:module';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface EmailTransport {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

export function createEmailTransport(smtpUrl: string, from: string): EmailTransport {
  // Loaded only when SMTP is configured.
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}
