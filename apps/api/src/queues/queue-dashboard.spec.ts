import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withoutRemoteLinks } from './queue-dashboard';

describe('withoutRemoteLinks', () => {
  it("drops the installed bull-board template's Google Fonts link and keeps its own files", () => {
    const template = readFileSync(
      path.join(path.dirname(require.resolve('@bull-board/ui/package.json')), 'dist/index.ejs'),
      'utf8',
    );
    // If bull-board stops linking the fonts, this test says so instead of passing vacuously.
    expect(template).toContain('https://fonts.googleapis.com/');

    const page = withoutRemoteLinks(template);
    expect(page).not.toMatch(/googleapis|https?:\/\//);
    expect(page).toContain('<base href="<%= basePath %>" />');
    expect(page).toMatch(/<link href="static\/css\/main\.[0-9a-f]+\.css" rel="stylesheet">/);
    expect(page).toMatch(/<script defer src="static\/js\/main\.[0-9a-f]+\.js"><\/script>/);
  });

  it('drops protocol-relative links too', () => {
    expect(withoutRemoteLinks('<head><link rel="stylesheet" href="//cdn.example/x.css"></head>')).toBe(
      '<head></head>',
    );
  });
});
