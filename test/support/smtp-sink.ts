import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** A mail as the sink received it. */
export interface ReceivedMail {
  messageId: string;
  to: string;
  subject: string;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part. */
  html: string;
  raw: string;
  receivedAt: number;
}

interface ScriptedReply {
  code: number;
  message: string;
}

function headerValue(head: string, name: string): string {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim() ?? '';
}

function decodeQuotedPrintable(body: string): string {
  const bytes = Buffer.from(
    body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

/**
 * The part of a multipart message with the given content type, decoded. mailparser would do this,
 * but its current releases depend on packages the project's registry does not carry, and the sink
 * only ever parses what nodemailer produced: multipart/alternative with 7bit, quoted-printable or
 * base64 parts.
 */
function part(raw: string, contentType: string): string {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headerValue(head, 'Content-Type'))?.[1];
  const sections = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${head}\r\n\r\n${body}`];
  for (const section of sections) {
    const trimmed = section.replace(/^\r?\n/, '');
    const [partHead = '', ...partBody] = trimmed.split(/\r?\n\r?\n/);
    if (!headerValue(partHead, 'Content-Type').toLowerCase().startsWith(contentType)) continue;
    const content = partBody.join('\r\n\r\n');
    const encoding = headerValue(partHead, 'Content-Transfer-Encoding').toLowerCase();
    if (encoding === 'quoted-printable') return decodeQuotedPrintable(content);
    if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
    return content;
  }
  return '';
}

/**
 * A real SMTP server (smtp-server) on an ephemeral port of 127.0.0.1 that keeps what it receives,
 * and can be told to answer the next messages with a 4xx or 5xx reply instead of accepting them.
 */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** Every DATA transaction, accepted or not, in order. */
  readonly attempts: { messageId: string; reply: number }[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private server: SMTPServer | undefined;
  private listenPort = 0;

  get port(): number {
    return this.listenPort;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onData: (stream, _session, callback) => this.receive(stream, callback),
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.listenPort = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The next `times` messages get `code message` instead of being accepted. */
  replyNext(code: number, message: string, times = 1): void {
    for (let i = 0; i < times; i += 1) this.scripted.push({ code, message });
  }

  private receive(stream: SMTPServerDataStream, callback: (error?: Error | null) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
      const messageId = headerValue(head, 'Message-ID');
      const scripted = this.scripted.shift();
      this.attempts.push({ messageId, reply: scripted?.code ?? 250 });
      if (scripted) {
        callback(Object.assign(new Error(scripted.message), { responseCode: scripted.code }));
        return;
      }
      this.mails.push({
        messageId,
        to: headerValue(head, 'To'),
        subject: headerValue(head, 'Subject'),
        text: part(raw, 'text/plain'),
        html: part(raw, 'text/html'),
        raw,
        receivedAt: Date.now(),
      });
      callback(null);
    });
  }

  /** Mails accepted so far with this Message-ID. */
  delivered(messageId: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.messageId === messageId);
  }

  async waitFor(accept: () => boolean, timeoutMs = 20_000, what = 'mail'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!accept()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} (received ${this.mails.length})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
