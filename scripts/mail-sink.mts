// The development mail sink: an SMTP server on 127.0.0.1 that accepts every mail and writes it as
// an .eml file (open it with any mail client) under .data/mail/. `npm start` runs it when SMTP_HOST
// is not set, so a developer can read the verification and reset mails the worker sends.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface MailSink {
  port: number;
  directory: string;
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
}

export async function startMailSink(port: number, directory: string): Promise<MailSink> {
  await mkdir(directory, { recursive: true });
  let count = 0;
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
  return { port, directory, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
