// The single place for every transactional e-mail Rampart sends. Callers (the API, the worker's mail jobs)
// pick a template by name and pass its typed params; nothing else in the tree writes mail copy or HTML.
// Rendering is pure: no I/O, no clock, no environment, so the same input always gives the same mail.
//
// To add a template:
//   1. add its name to `EmailTemplate` below,
//   2. add its params to `EmailTemplateParams`,
//   3. add a renderer to `renderers` (the compiler refuses to build until you do, because `renderers` is
//      typed as a map over every template name),
//   4. add a case to email-templates.spec.ts (EMAIL_TEMPLATES is checked there, so a new name without a
//      sample makes the suite fail).
// Renderers only describe content as plain strings (`EmailContent`); `compose` turns that into the text and
// HTML parts, so escaping, the layout and the header-safety of the subject live in one place.

export const EmailTemplate = {
  Verification: 'verification',
  PasswordReset: 'password-reset',
  LockoutNotice: 'lockout-notice',
  SecurityAlert: 'security-alert',
  MfaChanged: 'mfa-changed',
  MfaReset: 'mfa-reset',
  AdminAlert: 'admin-alert',
  RegistrationAttempt: 'registration-attempt',
  RolloutRolledBack: 'rollout-rolled-back',
} as const;
export type EmailTemplate = (typeof EmailTemplate)[keyof typeof EmailTemplate];

export type MfaChange = 'enabled' | 'disabled' | 'recovery-codes-regenerated';

export interface EmailTemplateParams {
  [EmailTemplate.Verification]: { token: string; expiresInHours: number };
  [EmailTemplate.PasswordReset]: { token: string; expiresInMinutes: number };
  [EmailTemplate.LockoutNotice]: { /** ISO 8601 */ lockedUntil: string; failedAttempts: number };
  [EmailTemplate.SecurityAlert]: {
    /** What happened, e.g. 'New sign-in'. */
    event: string;
    /** ISO 8601 */
    occurredAt: string;
    ipAddress?: string;
    userAgent?: string;
  };
  [EmailTemplate.MfaChanged]: { change: MfaChange; /** ISO 8601 */ occurredAt: string };
  /** An administrator removed the account's second factor (a lost authenticator); sessions were ended. */
  [EmailTemplate.MfaReset]: { /** ISO 8601 */ occurredAt: string };
  [EmailTemplate.AdminAlert]: { title: string; message: string };
  /** Someone tried to register an address that already has an account (sent instead of an error). */
  [EmailTemplate.RegistrationAttempt]: { /** ISO 8601 */ occurredAt: string };
  /** The worker rolled a rollout back on its guardrails; sent to every active operator and admin. */
  [EmailTemplate.RolloutRolledBack]: {
    flagKey: string;
    targetVariant: string;
    /** e.g. `stage 2 (25 %)` */
    stage: string;
    /** The guardrails' reason, with their figures. */
    reason: string;
    rolloutId: string;
    incidentId: string;
    /** ISO 8601 */
    occurredAt: string;
  };
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderContext {
  /** Public base URL of the web app, without a trailing slash (one is stripped if given). */
  appUrl: string;
  productName: string;
}

/** Every template name, e.g. to validate a queued job's payload. */
export const EMAIL_TEMPLATES: readonly EmailTemplate[] = Object.freeze(Object.values(EmailTemplate));

const TEMPLATE_NAMES: ReadonlySet<string> = new Set(EMAIL_TEMPLATES);

// A Set rather than `name in renderers`, so inherited names such as 'toString' are not templates.
export function isEmailTemplate(name: string): name is EmailTemplate {
  return TEMPLATE_NAMES.has(name);
}

export function renderEmail<T extends EmailTemplate>(
  template: T,
  params: EmailTemplateParams[T],
  context: RenderContext,
): RenderedEmail {
  // The types already rule this out; the check is for names that arrive untyped (job payloads, JS callers),
  // which would otherwise fail with an opaque "is not a function".
  if (!isEmailTemplate(template)) {
    throw new Error(`Unknown e-mail template: ${JSON.stringify(template)}`);
  }
  const render: Renderer<T> = renderers[template];
  return render(params, normaliseContext(context));
}

// Wording per change; a Record so a new kind of change cannot be added without its copy.
const MFA_CHANGES: Record<MfaChange, { summary: string; consequence: string }> = {
  enabled: {
    summary: 'Two-factor authentication was enabled',
    consequence: 'Signing in now needs a code from your authenticator as well as your password.',
  },
  disabled: {
    summary: 'Two-factor authentication was disabled',
    consequence: 'Signing in now needs only your password.',
  },
  'recovery-codes-regenerated': {
    summary: 'New recovery codes were generated',
    consequence: 'Your previous recovery codes no longer work.',
  },
};

type Renderer<T extends EmailTemplate> = (
  params: EmailTemplateParams[T],
  context: RenderContext,
) => RenderedEmail;

const renderers: { [T in EmailTemplate]: Renderer<T> } = {
  [EmailTemplate.Verification]: ({ token, expiresInHours }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName}: verify your e-mail address`,
      heading: 'Verify your e-mail address',
      paragraphs: [
        `Confirm that this e-mail address belongs to your ${productName} account by opening the link below.`,
        'To activate the account, enter the password you chose when you registered.',
        `The link expires in ${plural(expiresInHours, 'hour')}.`,
      ],
      action: {
        label: 'Verify e-mail address',
        url: `${appUrl}/verify-email?token=${encodeURIComponent(token)}`,
      },
      notes: [
        `If you did not create a ${productName} account, you can ignore this mail.`,
        'If your password is not accepted, someone else may have registered this address: register again, or reset the password, and it is yours.',
      ],
    }),

  [EmailTemplate.PasswordReset]: ({ token, expiresInMinutes }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName}: reset your password`,
      heading: 'Reset your password',
      paragraphs: [
        `We received a request to reset the password of your ${productName} account. Open the link below to choose a new password.`,
        `The link expires in ${plural(expiresInMinutes, 'minute')}.`,
      ],
      action: { label: 'Reset password', url: `${appUrl}/reset-password?token=${encodeURIComponent(token)}` },
      notes: ['If you did not ask for this, ignore this mail; your password is unchanged.'],
    }),

  [EmailTemplate.LockoutNotice]: ({ lockedUntil, failedAttempts }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName}: your account has been locked`,
      heading: 'Your account has been locked',
      paragraphs: [
        `Your ${productName} account was locked after ${plural(failedAttempts, 'failed sign-in')} until ${formatUtc(lockedUntil)}.`,
        'If this was not you, someone may be trying to guess your password: reset your password now.',
      ],
      action: { label: 'Reset password', url: `${appUrl}/forgot-password` },
    }),

  [EmailTemplate.SecurityAlert]: ({ event, occurredAt, ipAddress, userAgent }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName} security alert: ${headerSafe(event)}`,
      heading: 'Security alert',
      paragraphs: [`We noticed the following activity on your ${productName} account.`],
      details: [
        ['Event', event],
        ['Time', formatUtc(occurredAt)],
        ...optionalDetail('IP address', ipAddress),
        ...optionalDetail('Device', userAgent),
      ],
      action: { label: 'Reset password', url: `${appUrl}/forgot-password` },
      notes: ['If this was you, there is nothing to do. If it was not, reset your password right away.'],
    }),

  [EmailTemplate.MfaChanged]: ({ change, occurredAt }, { appUrl, productName }) => {
    const { summary, consequence } = MFA_CHANGES[change];
    return compose(productName, {
      subject: `${productName}: ${summary.toLowerCase()}`,
      heading: summary,
      paragraphs: [
        `${summary} on your ${productName} account on ${formatUtc(occurredAt)}.`,
        consequence,
        'If you did not make this change, reset your password right away.',
      ],
      action: { label: 'Reset password', url: `${appUrl}/forgot-password` },
    });
  },

  [EmailTemplate.MfaReset]: ({ occurredAt }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName}: an administrator reset your two-factor authentication`,
      heading: 'Your two-factor authentication was reset',
      paragraphs: [
        `On ${formatUtc(occurredAt)} an administrator turned off two-factor authentication on your ${productName} account and removed its recovery codes. Every session of the account was signed out.`,
        'Signing in now needs only your password. Sign in and set up two-factor authentication again.',
        'If you did not ask for this, contact your administrator and reset your password right away.',
      ],
      action: { label: 'Reset password', url: `${appUrl}/forgot-password` },
    }),

  [EmailTemplate.RolloutRolledBack]: (
    { flagKey, targetVariant, stage, reason, rolloutId, incidentId, occurredAt },
    { appUrl, productName },
  ) =>
    compose(productName, {
      subject: `${productName}: rollout of ${headerSafe(flagKey)} rolled back`,
      heading: `Rollout of ${flagKey} rolled back`,
      paragraphs: [
        `At ${formatUtc(occurredAt)} the rollout of ${flagKey} to "${targetVariant}" was rolled back at ${stage}: every user is served the control again.`,
        `Why: ${reason}.`,
        `An incident was opened with the evidence (incident ${incidentId}, rollout ${rolloutId}).`,
      ],
      action: { label: 'Open the incident', url: `${appUrl}/incidents/${encodeURIComponent(incidentId)}` },
    }),

  [EmailTemplate.AdminAlert]: ({ title, message }, { productName }) =>
    compose(productName, {
      subject: `${productName} admin alert: ${headerSafe(title)}`,
      heading: title,
      paragraphs: [message],
    }),

  [EmailTemplate.RegistrationAttempt]: ({ occurredAt }, { appUrl, productName }) =>
    compose(productName, {
      subject: `${productName}: someone tried to register with your address`,
      heading: 'Someone tried to register with your address',
      paragraphs: [
        `On ${formatUtc(occurredAt)} someone tried to create a new ${productName} account with this e-mail address, which already has one.`,
        'If it was you, sign in instead, or reset your password if you have forgotten it.',
      ],
      action: { label: 'Reset password', url: `${appUrl}/forgot-password` },
      notes: ['If it was not you, there is nothing to do: your account is unchanged.'],
    }),
};

/** What a renderer says, as plain strings; `compose` owns escaping and layout. */
interface EmailContent {
  subject: string;
  heading: string;
  paragraphs: readonly string[];
  details?: readonly Detail[];
  action?: { label: string; url: string };
  /** Shown after the call to action. */
  notes?: readonly string[];
}

type Detail = readonly [label: string, value: string];

function compose(productName: string, content: EmailContent): RenderedEmail {
  // Applied here as well as to the params that renderers put into subjects: the subject becomes a mail
  // header, and a CR/LF in it would let a caller inject headers (Bcc:, a second body).
  const subject = headerSafe(content.subject);
  const footer = `You receive this mail because of your ${productName} account.`;
  return {
    subject,
    text: composeText(content, footer),
    html: composeHtml(subject, content, footer),
  };
}

function composeText(content: EmailContent, footer: string): string {
  const blocks = [content.heading, ...content.paragraphs];
  if (content.details?.length) {
    blocks.push(content.details.map(([label, value]) => `${label}: ${value}`).join('\n'));
  }
  if (content.action) {
    blocks.push(`${content.action.label}:\n${content.action.url}`);
  }
  blocks.push(...(content.notes ?? []), `--\n${footer}`);
  return `${blocks.join('\n\n')}\n`;
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const STYLE = {
  body: 'margin:0;padding:0;background-color:#f4f4f5;',
  card: `max-width:560px;margin:0 auto;padding:32px 24px;background-color:#ffffff;color:#1f2937;font-family:${FONT};font-size:16px;line-height:1.5;`,
  heading: 'margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827;',
  paragraph: 'margin:0 0 16px;',
  details: 'margin:0 0 16px;padding:0;',
  detailLabel: 'margin:0;font-weight:600;',
  detailValue: 'margin:0 0 8px;word-break:break-word;',
  button:
    'display:inline-block;padding:12px 20px;background-color:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:600;border-radius:6px;',
  fallback: 'margin:0 0 16px;font-size:14px;color:#4b5563;',
  fallbackLink: 'color:#1d4ed8;word-break:break-all;',
  footer: 'margin:24px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;font-size:13px;color:#4b5563;',
} as const;

// Inline styles only and no external images, CSS or JS: mail clients strip <style> and block remote content,
// and a self-contained mail cannot leak that it was opened. The role/aria attributes let screen readers
// announce the mail as one article.
function composeHtml(subject: string, content: EmailContent, footer: string): string {
  const parts = [
    `<h1 style="${STYLE.heading}">${escapeHtml(content.heading)}</h1>`,
    ...content.paragraphs.map((text) => paragraph(text)),
  ];
  if (content.details?.length) {
    const rows = content.details.map(
      ([label, value]) =>
        `<dt style="${STYLE.detailLabel}">${escapeHtml(label)}</dt><dd style="${STYLE.detailValue}">${escapeHtml(value)}</dd>`,
    );
    parts.push(`<dl style="${STYLE.details}">${rows.join('')}</dl>`);
  }
  if (content.action) {
    const href = escapeHtml(content.action.url);
    parts.push(
      `<p style="${STYLE.paragraph}"><a href="${href}" style="${STYLE.button}">${escapeHtml(content.action.label)}</a></p>`,
      // Repeated as text for clients that block or do not render the button.
      `<p style="${STYLE.fallback}">If the button does not work, copy this address into your browser:<br><a href="${href}" style="${STYLE.fallbackLink}">${href}</a></p>`,
    );
  }
  parts.push(...(content.notes ?? []).map((text) => paragraph(text)));

  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${STYLE.body}">`,
    `<div role="article" aria-roledescription="email" aria-label="${escapeHtml(subject)}" lang="en" style="${STYLE.card}">`,
    ...parts,
    `<p style="${STYLE.footer}">${escapeHtml(footer)}</p>`,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function paragraph(text: string): string {
  // Line breaks in a value (an admin alert's message) would otherwise collapse into one line.
  return `<p style="${STYLE.paragraph}">${escapeHtml(text).replace(/\r\n|\r|\n/g, '<br>')}</p>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

// CR and LF end a header line. All other control characters (NUL, tab, NEL, ...) and the Unicode line and
// paragraph separators are folded too, because some mail libraries and clients treat them as breaks as well.
function headerSafe(value: string): string {
  return value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function normaliseContext({ appUrl, productName }: RenderContext): RenderContext {
  return { appUrl: appUrl.replace(/\/+$/, ''), productName: headerSafe(productName) };
}

function optionalDetail(label: string, value: string | undefined): Detail[] {
  return value ? [[label, value]] : [];
}

function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Formats an ISO 8601 timestamp as e.g. `2026-11-22 10:15 UTC` (seconds are dropped, not rounded, like a
 * clock). A time without an offset is read as UTC, so the output never depends on the server's time zone.
 * Anything that is not a valid ISO 8601 date is returned as given (the caller escapes it for HTML), rather
 * than guessed at: `Date.parse` accepts and rolls over values such as `2026-02-30`.
 */
function formatUtc(iso: string): string {
  const match = ISO_8601.exec(iso.trim());
  if (!match) return iso;
  const [, year = '', month = '', day = '', hour = '00', minute = '00', second = '00', zone = 'Z'] = match;
  const fields = {
    year: Number(year),
    month: Number(month) - 1,
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  // The time as read on a clock at the given offset; setUTCFullYear because Date.UTC maps years 0-99 to 19xx.
  const wallClock = new Date(0);
  wallClock.setUTCFullYear(fields.year, fields.month, fields.day);
  wallClock.setUTCHours(fields.hour, fields.minute, fields.second, 0);
  const roundTrips =
    wallClock.getUTCFullYear() === fields.year &&
    wallClock.getUTCMonth() === fields.month &&
    wallClock.getUTCDate() === fields.day &&
    wallClock.getUTCHours() === fields.hour &&
    wallClock.getUTCMinutes() === fields.minute &&
    wallClock.getUTCSeconds() === fields.second;
  const offset = offsetMinutes(zone);
  if (!roundTrips || offset === undefined) return iso;

  const utc = new Date(wallClock.getTime() - offset * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())} ` +
    `${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())} UTC`
  );
}

function offsetMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(3).replace(':', '') || '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
