// Paths pino removes from every log object. Request and response headers that carry credentials,
// and any field named like a secret at the top level or one level down (a logged DTO or job payload).
const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'mfaToken',
  'idToken',
  'secret',
  'apiKey',
  'captchaToken',
  'recoveryCode',
  'totp',
];

export const REDACTED_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
];
