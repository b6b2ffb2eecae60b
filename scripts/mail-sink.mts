// The development mail sink: an SMTP server on 127.0.0.1 that accepts every mail and writes it as
// an .eml file (open it with any mail client) under .data/mail/. `npm start` runs it when SMTP_HOST
// is not set, so a developer can read the verification and reset mails the worker sends.
//
// With a mailbox port it also answers `GET http://127.0.0.1:<port>/mails[?to=<address>]` with the
// recent mails as JSON, newest first: the mailbox contract `npm run verify:deployment --
// --mailbox-url` reads a disposable account's verification mail from (docs/deployment-verification.md).
// In staging, run it on its own and point the worker's SMTP_HOST/SMTP_PORT at it:
//
//   node scripts/mail-sink.mts --smtp-port 1025 --mailbox-port 1080 [--dir .data/mail]
//
// The mailbox hands out every verification and reset link it holds: it listens on 127.0.0.1 only,
// and has no place in production.
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';

/** One mail as the mailbox contract gives it. */
export interface MailboxMail {
  to: string;
  subject: string;
  /** The decoded text/plain part (the whole body when the mail has no such part). */
  text: string;
  receivedAt: string;
}

export interface Mailbox {
  url: string;
  close(): Promise<void>;
}

export interface MailSink {
  port: number;
  directory: string;
  /** `http://127.0.0.1:<port>/mails` when started with a mailbox port. */
  mailboxUrl: string | null;
  close(): Promise<void>;
}

/** Mails kept for the mailbox: enough for a verification run, bounded for a long-running sink. */
const MAILBOX_SIZE = 200;

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
}

function decodeQuotedPrintable(body: string): string {
  const binary = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(binary, 'latin1').toString('utf8');
}

/**
 * The text/plain part of a mail as nodemailer writes it (single part, or multipart/alternative with
 * 7bit, quoted-printable or base64 parts), decoded: where the links are.
 */
export function plainText(raw: string): string {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(header(raw, 'Content-Type'))?.[1];
  const sections = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${head}\r\n\r\n${body}`];
  for (const section of sections) {
    const [partHead = '', ...partBody] = section.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const type = /^content-type:[ \t]*(.*)$/im.exec(partHead)?.[1] ?? 'text/plain';
    if (!type.toLowerCase().startsWith('text/plain')) continue;
    const content = partBody.join('\r\n\r\n');
    const encoding = /^content-transfer-encoding:[ \t]*(.*)$/im.exec(partHead)?.[1]?.trim().toLowerCase();
    if (encoding === 'quoted-printable') return decodeQuotedPrintable(content);
    if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
    return content;
  }
  return body;
}

/** A mail as the mailbox contract gives it, from its raw form. */
export function mailboxMail(raw: string, receivedAt = new Date()): MailboxMail {
  return {
    to: header(raw, 'To'),
    subject: header(raw, 'Subject'),
    text: plainText(raw),
    receivedAt: receivedAt.toISOString(),
  };
}

/**
 * Serves the mailbox contract on 127.0.0.1: `GET /mails` answers `{"mails": [...]}` newest first,
 * `?to=<address>` keeps the mails whose To contains it. `mails()` is read on every request.
 */
export async function startMailbox(port: number, mails: () => readonly MailboxMail[]): Promise<Mailbox> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' || url.pathname !== '/mails') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"GET /mails"}');
      return;
    }
    const to = url.searchParams.get('to')?.toLowerCase();
    const selected = [...mails()]
      .reverse()
      .filter((mail) => !to || mail.to.toLowerCase().includes(to))
      .slice(0, MAILBOX_SIZE);
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ mails: selected }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/mails`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startMailSink(
  port: number,
  directory: string,
  options: { mailboxPort?: number } = {},
): Promise<MailSink> {
  await mkdir(directory, { recursive: true });
  let count = 0;
  const recent: MailboxMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        count += 1;
        recent.push(mailboxMail(raw));
        if (recent.length > MAILBOX_SIZE) recent.shift();
        const file = path.join(directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${count}.eml`);
        writeFile(file, raw).then(
          () => {
            console.log(`mail-sink: "${header(raw, 'Subject')}" to ${header(raw, 'To')} saved to ${file}`);
            callback(null);
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.server.address() as AddressInfo).port;
  let mailbox: Mailbox | null = null;
  if (options.mailboxPort !== undefined) {
    try {
      mailbox = await startMailbox(options.mailboxPort, () => recent);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  return {
    port: bound,
    directory,
    mailboxUrl: mailbox?.url ?? null,
    async close() {
      await mailbox?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'smtp-port': { type: 'string', default: '1025' },
      'mailbox-port': { type: 'string', default: '1080' },
      dir: { type: 'string', default: path.join('.data', 'mail') },
    },
  });
  const sink = await startMailSink(Number(values['smtp-port']), path.resolve(values.dir), {
    mailboxPort: Number(values['mailbox-port']),
  });
  console.log(`mail-sink: smtp://127.0.0.1:${sink.port} -> ${sink.directory}; mailbox ${sink.mailboxUrl}`);
  const stop = (): void => void sink.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`mail-sink: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
