/**
 * Every change one process announces to the others, with its message: like the job contract, the
 * one list, so a publisher and a subscriber cannot disagree on a topic's name or payload.
 * A message only says that something changed and to which version; subscribers read the change
 * itself from PostgreSQL, which stays the source of truth (a lost message costs latency, not data).
 */
export interface ChangeTopics {
  /** A new flag-set version committed. */
  'flags.version': { version: number };
  /** An SDK key was created or revoked. */
  'sdk-keys.changed': { keyId: string };
}

export type ChangeTopic = keyof ChangeTopics;

export const CHANGE_TOPICS: readonly ChangeTopic[] = ['flags.version', 'sdk-keys.changed'];

export function isChangeTopic(value: string): value is ChangeTopic {
  return (CHANGE_TOPICS as readonly string[]).includes(value);
}
