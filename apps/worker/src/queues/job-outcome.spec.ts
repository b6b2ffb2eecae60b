import { UnrecoverableError } from 'bullmq';
import { outcomeOfError } from './job-outcome';

describe('outcomeOfError', () => {
  it('counts a throw with attempts left as retried', () => {
    expect(outcomeOfError(new Error('SMTP 451'), { isFinalAttempt: false })).toBe('retried');
  });

  it('counts a throw on the last attempt as failed', () => {
    expect(outcomeOfError(new Error('SMTP 451'), { isFinalAttempt: true })).toBe('failed');
  });

  it('counts an UnrecoverableError as failed whatever attempts remain, as BullMQ does', () => {
    expect(outcomeOfError(new UnrecoverableError('550'), { isFinalAttempt: false })).toBe('failed');
    // BullMQ goes by the name too, so an error from another copy of the class is still final.
    const named = Object.assign(new Error('gone'), { name: 'UnrecoverableError' });
    expect(outcomeOfError(named, { isFinalAttempt: false })).toBe('failed');
  });

  it('counts a thrown non-error by the attempt alone', () => {
    expect(outcomeOfError('a string', { isFinalAttempt: false })).toBe('retried');
    expect(outcomeOfError(undefined, { isFinalAttempt: true })).toBe('failed');
  });
});
