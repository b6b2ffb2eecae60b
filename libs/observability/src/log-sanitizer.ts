// Last line of defence for log output, applied to every serialised line: e-mail addresses are
// masked wherever they appear (messages included, which pino's path-based redaction cannot
// reach) and non-ASCII characters are escaped, so log lines are pure ASCII.

const EMAIL = /([\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]*@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,})/gu;
const NON_ASCII = /[^\x00-\x7f]/g; // eslint-disable-line no-control-regex -- the ASCII range is the point

/** `jane.doe@example.com` becomes `j***@example.com`: the domain stays useful for debugging. */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, '$1***@$2');
}

/** Every non-ASCII UTF-16 unit becomes a JSON `\uXXXX` escape, which keeps a JSON line valid JSON. */
export function escapeNonAscii(text: string): string {
  return text.replace(NON_ASCII, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sanitizeLogLine(line: string): string {
  return escapeNonAscii(maskEmails(line));
}
