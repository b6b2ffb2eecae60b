// `npm run verify:deployment` as the e2e suites run it: the script as a child process (an operator's
// view: its table and exit code), and the mailbox its disposable account reads, served from the
// test's SMTP sink. Shared by the plain-http run (test/e2e/deployment/) and the run through nginx
// (test/e2e/edge/).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { type Mailbox, type MailboxMail, startMailbox } from '../../../scripts/mail-sink.mts';
import type { SmtpSink } from '../../support/smtp-sink';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/verify-deployment.mts');

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the script with `args`. The child gets PATH and HOME and nothing else of the runner's
 * environment, plus `env` (e.g. NODE_EXTRA_CA_CERTS to trust a test CA).
 */
export function runVerifyDeployment(args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--no-warnings', SCRIPT, ...args],
      {
        cwd: ROOT,
        timeout: 90_000,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Every check of the script, in the order of its table. */
export const CHECKS = [
  'release',
  'security headers',
  'hsts',
  'https redirect',
  'readiness',
  'account',
  'sign-in flow',
  'cookie flags',
  'csrf refusal',
  'flag rollback',
  'clean-up',
  'rate limit',
] as const;

/** What plain http cannot show: no HSTS to send, no redirect to follow. */
export const HTTPS_ONLY_CHECKS: readonly string[] = ['hsts', 'https redirect'];

/** The row of a check in the script's table: `STATUS  name  detail (n ms)`. */
export function row(run: ScriptRun, name: string): string {
  const line = run.stdout.split('\n').find((each) => each.slice(6).startsWith(`${name}  `));
  if (!line) throw new Error(`no "${name}" row in:\n${run.stdout}\n${run.stderr}`);
  return line;
}

export function show(title: string, run: ScriptRun): void {
  // The closing note quotes this output: it is the script's own table, as an operator sees it.
  console.log(`${title} (exit ${run.code}):\n${run.stdout}${run.stderr}`);
}

/** The mailbox contract (scripts/mail-sink.mts), served from what the test's SMTP sink received. */
export function startSinkMailbox(sink: SmtpSink): Promise<Mailbox> {
  return startMailbox(0, () =>
    sink.mails.map((mail): MailboxMail => ({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      receivedAt: new Date(mail.receivedAt).toISOString(),
    })),
  );
}
