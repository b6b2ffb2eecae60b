import { escapeNonAscii, maskEmails, sanitizeLogLine } from './log-sanitizer';

describe('log sanitizer', () => {
  it('masks e-mail addresses anywhere in a line, keeping the domain', () => {
    expect(maskEmails('login failed for jane.doe+tag@mail.example.co.uk from 10.0.0.1')).toBe(
      'login failed for j***@mail.example.co.uk from 10.0.0.1',
    );
    expect(maskEmails('{"email":"a@b.io","to":"Bob.Smith@Example.COM"}')).toBe(
      '{"email":"a***@b.io","to":"B***@Example.COM"}',
    );
  });

  it('leaves text without addresses alone', () => {
    expect(maskEmails('user@ localhost @handle a@b')).toBe('user@ localhost @handle a@b');
  });

  it('escapes non-ASCII as JSON \\u escapes, so a JSON line stays valid and ASCII', () => {
    const line = JSON.stringify({ msg: 'København ✓ 😀' });
    const escaped = escapeNonAscii(line);
    expect(escaped).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(escaped)).toEqual({ msg: 'København ✓ 😀' });
  });

  it('does both', () => {
    expect(sanitizeLogLine('{"msg":"Grüße an jörg@example.de"}\n')).toBe(
      '{"msg":"Gr\\u00fc\\u00dfe an j***@example.de"}\n',
    );
  });
});
