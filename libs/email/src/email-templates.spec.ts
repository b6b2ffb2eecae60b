import {
  EMAIL_TEMPLATES,
  EmailTemplate,
  isEmailTemplate,
  renderEmail,
  type EmailTemplateParams,
  type RenderContext,
  type RenderedEmail,
} from './email-templates';

// The trailing slash checks that links never come out as `https://app.example.test//verify-email`.
const context: RenderContext = { appUrl: 'https://app.example.test/', productName: 'Rampart' };
const TOKEN = 'tok-7Qx9-secret';

// One sample per template; typed as a map over every name, so adding a template without a sample fails to compile.
const samples: { [T in EmailTemplate]: EmailTemplateParams[T] } = {
  [EmailTemplate.Verification]: { token: TOKEN, expiresInHours: 24 },
  [EmailTemplate.PasswordReset]: { token: TOKEN, expiresInMinutes: 30 },
  [EmailTemplate.LockoutNotice]: { lockedUntil: '2026-11-22T10:15:00Z', failedAttempts: 5 },
  [EmailTemplate.SecurityAlert]: {
    event: 'New sign-in',
    occurredAt: '2026-11-22T09:03:00Z',
    ipAddress: '203.0.113.7',
    userAgent: 'Firefox on Linux',
  },
  [EmailTemplate.MfaChanged]: { change: 'enabled', occurredAt: '2026-11-22T08:00:00Z' },
  [EmailTemplate.MfaReset]: { occurredAt: '2026-11-22T08:30:00Z' },
  [EmailTemplate.AdminAlert]: { title: 'Queue backlog', message: 'The mail queue holds 1200 jobs.' },
  [EmailTemplate.RegistrationAttempt]: { occurredAt: '2026-11-22T09:30:00Z' },
  [EmailTemplate.RolloutRolledBack]: {
    flagKey: 'new-checkout',
    targetVariant: 'on',
    stage: 'stage 2 (1 %)',
    reason: 'breaching for their whole duration: error-rate (4.1 % > 1 %)',
    rolloutId: '7d1c0e0a-0000-4000-8000-000000000001',
    incidentId: '7d1c0e0a-0000-4000-8000-000000000002',
    occurredAt: '2026-11-22T10:00:00Z',
  },
};

function render<T extends EmailTemplate>(template: T, params: EmailTemplateParams[T] = samples[template]) {
  return renderEmail(template, params, context);
}

/** Both parts, for facts that each of them must state. */
function bothParts(mail: RenderedEmail): string[] {
  return [mail.text, mail.html];
}

describe('renderEmail: every template', () => {
  describe.each(EMAIL_TEMPLATES)('%s', (template) => {
    const mail = render(template);

    it('has a short, single-line subject naming the product', () => {
      expect(mail.subject).toContain('Rampart');
      expect(mail.subject.length).toBeLessThanOrEqual(80);
      expect(mail.subject).not.toMatch(/[\r\n]/);
    });

    it('never puts the token in the subject', () => {
      expect(mail.subject).not.toContain(TOKEN);
    });

    it('has a plain-text part with the footer', () => {
      expect(mail.text).toContain('You receive this mail because of your Rampart account.');
      expect(mail.text).not.toMatch(/<[a-z!/]/i);
    });

    it('has a self-contained, accessible HTML part', () => {
      expect(mail.html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(mail.html).toContain(`<title>${mail.subject}</title>`);
      expect(mail.html).toContain('You receive this mail because of your Rampart account.');
      expect(mail.html).toMatch(/<\/html>\s*$/);
      // No external resources: mail clients block them and they reveal that the mail was opened.
      expect(mail.html).not.toMatch(/<(img|script|link|style|iframe)\b/i);
      expect(mail.html).not.toMatch(/\bsrc=/i);
    });
  });
});

describe('renderEmail: content', () => {
  it('registration-attempt tells the owner when, without any link to act on the attempt', () => {
    const mail = render(EmailTemplate.RegistrationAttempt);
    for (const part of bothParts(mail)) {
      expect(part).toContain('2026-11-22 09:30 UTC');
      expect(part).toContain('https://app.example.test/forgot-password');
    }
  });

  it('verification links to /verify-email with the token and states the expiry', () => {
    const mail = render(EmailTemplate.Verification);
    const link = `https://app.example.test/verify-email?token=${TOKEN}`;
    expect(mail.subject).toBe('Rampart: verify your e-mail address');
    for (const part of bothParts(mail)) {
      expect(part).toContain(link);
      expect(part).toContain('24 hours');
    }
    expect(mail.html).toContain(`href="${link}"`);
  });

  it('password reset links to /reset-password and says an unasked reset changes nothing', () => {
    const mail = render(EmailTemplate.PasswordReset);
    const link = `https://app.example.test/reset-password?token=${TOKEN}`;
    for (const part of bothParts(mail)) {
      expect(part).toContain(link);
      expect(part).toContain('30 minutes');
      expect(part).toContain('If you did not ask for this, ignore this mail; your password is unchanged.');
    }
  });

  it('lockout notice states the failed attempts, the UTC unlock time and where to reset the password', () => {
    const mail = render(EmailTemplate.LockoutNotice);
    for (const part of bothParts(mail)) {
      expect(part).toContain('locked after 5 failed sign-ins until 2026-11-22 10:15 UTC');
      expect(part).toContain('https://app.example.test/forgot-password');
    }
  });

  it('lockout notice uses the singular for one attempt', () => {
    const mail = render(EmailTemplate.LockoutNotice, {
      lockedUntil: '2026-11-22T10:15:00Z',
      failedAttempts: 1,
    });
    expect(mail.text).toContain('after 1 failed sign-in until');
  });

  it('security alert lists the event, time, IP address and device', () => {
    const mail = render(EmailTemplate.SecurityAlert);
    expect(mail.subject).toBe('Rampart security alert: New sign-in');
    for (const part of bothParts(mail)) {
      expect(part).toContain('New sign-in');
      expect(part).toContain('2026-11-22 09:03 UTC');
      expect(part).toContain('203.0.113.7');
      expect(part).toContain('Firefox on Linux');
    }
    expect(mail.text).toContain('IP address: 203.0.113.7');
  });

  it('security alert leaves out the IP address and device when they are unknown', () => {
    const mail = render(EmailTemplate.SecurityAlert, {
      event: 'New sign-in',
      occurredAt: '2026-11-22T09:03:00Z',
    });
    for (const part of bothParts(mail)) {
      expect(part).not.toContain('IP address');
      expect(part).not.toContain('Device');
    }
  });

  it.each([
    ['enabled', 'Two-factor authentication was enabled'],
    ['disabled', 'Two-factor authentication was disabled'],
    ['recovery-codes-regenerated', 'New recovery codes were generated'],
  ] as const)('mfa-changed (%s) says what changed and when', (change, summary) => {
    const mail = render(EmailTemplate.MfaChanged, { change, occurredAt: '2026-11-22T08:00:00Z' });
    expect(mail.subject).toBe(`Rampart: ${summary.toLowerCase()}`);
    for (const part of bothParts(mail)) {
      expect(part).toContain(`${summary} on your Rampart account on 2026-11-22 08:00 UTC.`);
      expect(part).toContain('https://app.example.test/forgot-password');
    }
  });

  it('mfa-reset says an administrator reset it, when, that sessions ended and what to do next', () => {
    const mail = render(EmailTemplate.MfaReset);
    expect(mail.subject).toBe('Rampart: an administrator reset your two-factor authentication');
    for (const part of bothParts(mail)) {
      expect(part).toContain('On 2026-11-22 08:30 UTC an administrator turned off two-factor authentication');
      expect(part).toContain('Every session of the account was signed out.');
      expect(part).toContain('set up two-factor authentication again');
      expect(part).toContain('https://app.example.test/forgot-password');
    }
  });

  it('admin alert carries the title and message, keeping the line breaks of the message in HTML', () => {
    const mail = render(EmailTemplate.AdminAlert, { title: 'Queue backlog', message: 'Line one\nLine two' });
    expect(mail.subject).toBe('Rampart admin alert: Queue backlog');
    expect(mail.text).toContain('Queue backlog\n\nLine one\nLine two');
    expect(mail.html).toContain('Queue backlog</h1>');
    expect(mail.html).toContain('Line one<br>Line two');
  });

  it('rollout rolled back names the flag, the stage, the reason and links the incident', () => {
    const mail = render(EmailTemplate.RolloutRolledBack);
    expect(mail.subject).toBe('Rampart: rollout of new-checkout rolled back');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('stage 2 (1 %)');
      expect(part).toContain(part === mail.html ? '4.1 % &gt; 1 %' : '4.1 % > 1 %');
      expect(part).toContain('/incidents/7d1c0e0a-0000-4000-8000-000000000002');
    }
  });

  it('escapes a rollout rollback reason in HTML and keeps it as written in text', () => {
    const mail = render(EmailTemplate.RolloutRolledBack, {
      ...samples[EmailTemplate.RolloutRolledBack],
      reason: '<script>alert(1)</script>',
    });
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script');
    expect(mail.text).toContain('<script>alert(1)</script>');
  });

  it('repeats the call-to-action URL as text next to the button', () => {
    const { html } = render(EmailTemplate.Verification);
    const link = `https://app.example.test/verify-email?token=${TOKEN}`;
    expect(html.split(`href="${link}"`)).toHaveLength(3);
    expect(html).toContain(`>${link}</a>`);
  });

  it('accepts an app URL without a trailing slash', () => {
    const mail = renderEmail(EmailTemplate.PasswordReset, samples[EmailTemplate.PasswordReset], {
      appUrl: 'https://app.example.test',
      productName: 'Rampart',
    });
    expect(mail.text).toContain(`https://app.example.test/reset-password?token=${TOKEN}\n`);
  });
});

describe('renderEmail: links', () => {
  const token = 'a+b/c=d&e?f#g h';
  const encoded = 'a%2Bb%2Fc%3Dd%26e%3Ff%23g%20h';

  it.each([
    [EmailTemplate.Verification, 'verify-email'],
    [EmailTemplate.PasswordReset, 'reset-password'],
  ] as const)('%s percent-encodes the token', (template, path) => {
    const mail =
      template === EmailTemplate.Verification
        ? render(template, { token, expiresInHours: 1 })
        : render(template, { token, expiresInMinutes: 15 });
    const link = `https://app.example.test/${path}?token=${encoded}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.text).not.toContain(token);
    expect(mail.html).not.toContain('c=d&');
    expect(mail.subject).not.toContain(token);
    expect(mail.subject).not.toContain(encoded);
  });
});

describe('renderEmail: escaping', () => {
  const script = '<script>alert(1)</script>';
  const escapedScript = '&lt;script&gt;alert(1)&lt;/script&gt;';
  const breakout = `"><img src=x onerror='x'>`;
  const escapedBreakout = '&quot;&gt;&lt;img src=x onerror=&#39;x&#39;&gt;';

  it('escapes admin alert title and message in HTML and keeps them as written in text', () => {
    const mail = render(EmailTemplate.AdminAlert, { title: script, message: breakout });
    expect(mail.html).toContain(escapedScript);
    expect(mail.html).toContain(escapedBreakout);
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain(breakout);
    expect(mail.text).toContain(script);
    expect(mail.text).toContain(breakout);
  });

  it('escapes security alert values, including optional ones', () => {
    const mail = render(EmailTemplate.SecurityAlert, {
      event: script,
      occurredAt: breakout,
      ipAddress: 'a & b',
      userAgent: breakout,
    });
    expect(mail.html).toContain(escapedScript);
    expect(mail.html).toContain(escapedBreakout);
    expect(mail.html).toContain('a &amp; b');
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
  });

  it('escapes an unparseable date, shown as given', () => {
    const mail = render(EmailTemplate.LockoutNotice, { lockedUntil: script, failedAttempts: 3 });
    expect(mail.text).toContain(`until ${script}.`);
    expect(mail.html).toContain(`until ${escapedScript}.`);
    expect(mail.html).not.toContain('<script');
  });

  it('escapes the product name', () => {
    const mail = renderEmail(EmailTemplate.AdminAlert, samples[EmailTemplate.AdminAlert], {
      appUrl: 'https://app.example.test',
      productName: 'A&B <Ops>',
    });
    expect(mail.html).toContain('your A&amp;B &lt;Ops&gt; account');
    expect(mail.html).not.toContain('<Ops>');
    expect(mail.subject).toBe('A&B <Ops> admin alert: Queue backlog');
  });
});

describe('renderEmail: subjects are header-safe', () => {
  it('folds CR/LF in the admin alert title so no header can be injected', () => {
    const mail = render(EmailTemplate.AdminAlert, { title: 'Hi\r\nBcc: x@y.z', message: 'm' });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('Rampart admin alert: Hi Bcc: x@y.z');
  });

  it('folds other line breaks and control characters in subject params and the product name', () => {
    const alert = render(EmailTemplate.SecurityAlert, {
      event: 'New\u2028sign-in\r\nX-Evil:\u0085 1\0',
      occurredAt: '2026-11-22T09:03:00Z',
    });
    expect(alert.subject).toBe('Rampart security alert: New sign-in X-Evil: 1');

    const named = renderEmail(EmailTemplate.Verification, samples[EmailTemplate.Verification], {
      appUrl: 'https://app.example.test',
      productName: 'Ramp\nart',
    });
    expect(named.subject).toBe('Ramp art: verify your e-mail address');
  });
});

describe('renderEmail: dates', () => {
  const lockedUntil = (value: string): string =>
    render(EmailTemplate.LockoutNotice, { lockedUntil: value, failedAttempts: 2 }).text;

  it.each([
    ['2026-11-22T10:15:00Z', '2026-11-22 10:15 UTC'],
    ['2026-11-22T10:15:59.999Z', '2026-11-22 10:15 UTC'],
    ['2026-11-22T11:15:00+01:00', '2026-11-22 10:15 UTC'],
    ['2026-11-22T05:45:00-0430', '2026-11-22 10:15 UTC'],
    ['2026-11-23T00:30:00+02:00', '2026-11-22 22:30 UTC'],
    // Without an offset the time is read as UTC, whatever the server's time zone.
    ['2026-11-22T10:15', '2026-11-22 10:15 UTC'],
    ['2026-11-22', '2026-11-22 00:00 UTC'],
  ])('formats %s as %s', (input, expected) => {
    expect(lockedUntil(input)).toContain(`until ${expected}.`);
  });

  it.each(['2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '2026-11-22T25:00:00Z', 'next Tuesday', ''])(
    'shows %j as given rather than guessing',
    (input) => {
      expect(lockedUntil(input)).toContain(`until ${input}.`);
    },
  );
});

describe('renderEmail: unknown templates', () => {
  it('throws a clear error for a name that bypassed the types', () => {
    const name = 'welcome' as EmailTemplate;
    expect(() => renderEmail(name, samples[EmailTemplate.AdminAlert], context)).toThrow(
      'Unknown e-mail template: "welcome"',
    );
  });
});

describe('isEmailTemplate', () => {
  it.each([
    'verification',
    'password-reset',
    'lockout-notice',
    'security-alert',
    'mfa-changed',
    'mfa-reset',
    'admin-alert',
  ])('accepts %s', (name) => {
    expect(isEmailTemplate(name)).toBe(true);
  });

  it.each(['', 'Verification', 'verification ', 'welcome', 'toString', '__proto__', 'constructor'])(
    'rejects %j',
    (name) => {
      expect(isEmailTemplate(name)).toBe(false);
    },
  );
});

describe('EMAIL_TEMPLATES', () => {
  it('lists exactly the nine templates', () => {
    expect([...EMAIL_TEMPLATES].sort()).toEqual([
      'admin-alert',
      'lockout-notice',
      'mfa-changed',
      'mfa-reset',
      'password-reset',
      'registration-attempt',
      'rollout-rolled-back',
      'security-alert',
      'verification',
    ]);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(EMAIL_TEMPLATES)).toBe(true);
  });
});
