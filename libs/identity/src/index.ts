// Identity pieces both apps need: the API accepts account requests, the worker carries them out.
export { normaliseEmail } from './email-address';
export { hashOneTimeToken, newOneTimeToken } from './one-time-token';
export { VERIFICATION_TOKEN_TTL_HOURS } from './verification';
