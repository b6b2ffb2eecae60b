/**
 * How long a verification link works. It is also how long a pending (unverified) registration
 * lives without a working link before the purge deletes it: an address someone else registered
 * is freed for its owner by then at the latest.
 */
export const VERIFICATION_TOKEN_TTL_HOURS = 24;
