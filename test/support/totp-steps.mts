// TOTP timing for the tests and the benchmarks. Plain TypeScript that Node strips and runs as it is
// (see free-port.mts).
import type pg from 'pg';

/**
 * Tests and benchmarks compute codes of the previous, current and next 30 s step; near the end of a step the
 * server's "now" could move on between computing and checking, so wait for a fresh step then.
 */
export async function awayFromStepEnd(): Promise<void> {
  const intoStep = (Date.now() / 1_000) % 30;
  if (intoStep > 22) await new Promise((resolve) => setTimeout(resolve, (30.5 - intoStep) * 1_000));
}

/** Lets a code of any step in the window be used again: tests pick their steps, the server enforces order. */
export function forgetUsedSteps(db: pg.Client, userId: string): Promise<unknown> {
  return db.query('UPDATE users SET totp_last_used_step = NULL WHERE id = $1', [userId]);
}
