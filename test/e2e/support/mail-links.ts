import type { ReceivedMail, SmtpSink } from '../../support/smtp-sink';

/** Mails the sink received for `to` whose subject contains `subjectPart`, oldest first. */
export function mailsTo(sink: SmtpSink, to: string, subjectPart: string): ReceivedMail[] {
  return sink.mails.filter((mail) => mail.to === to && mail.subject.includes(subjectPart));
}

/** Waits for the nth such mail and returns the token of its `<path>?token=` link. */
export async function linkToken(
  sink: SmtpSink,
  to: string,
  subjectPart: string,
  path: string,
  nth = 1,
): Promise<string> {
  await sink.waitFor(
    () => mailsTo(sink, to, subjectPart).length >= nth,
    15_000,
    `mail ${nth} "${subjectPart}" to ${to}`,
  );
  const mail = mailsTo(sink, to, subjectPart)[nth - 1];
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9%_-]+)`).exec(mail?.text ?? '');
  if (!match?.[1]) throw new Error(`no ${path} token in the mail: ${mail?.text}`);
  return decodeURIComponent(match[1]);
}
