import { DomainError } from '@rampart/http';

export function rolloutNotFound(): DomainError {
  return new DomainError('rollout_not_found', 404, 'There is no such rollout.');
}

export function rolloutConflict(currentStateVersion: number, expectedStateVersion: number): DomainError {
  return new DomainError(
    'rollout_conflict',
    409,
    `The rollout is at state version ${currentStateVersion}, not ${expectedStateVersion}: read it again and decide again.`,
    { currentStateVersion, expectedStateVersion },
  );
}

export function invalidTransition(status: string, operation: string): DomainError {
  // Not `status`: that member of problem+json is the HTTP status.
  return new DomainError('invalid_transition', 409, `A rollout that is ${status} cannot ${operation}.`, {
    rolloutStatus: status,
    operation,
  });
}
