/**
 * Every action the audit log knows, with the type of its target (null: no target). Like the job
 * contract, it is the one list: a feature records only what is listed here, and the compiler holds
 * each action to its target type.
 */
export const AUDIT_ACTIONS = {
  'auth.login': 'session',
  'auth.logout': 'session',
  'auth.logout_all': 'user',
  'auth.lockout': 'user',
  'auth.refresh_token_reused': 'session',
  'auth.password_changed': 'user',
  'auth.password_reset': 'user',
  'auth.password_confirmation': 'user',
  'auth.mfa_enabled': 'user',
  'auth.mfa_disabled': 'user',
  'auth.mfa_recovery_codes_regenerated': 'user',
  /** The breach response (npm run secrets:revoke-all): every session of every user ended at once. */
  'auth.all_sessions_revoked': null,
  /** npm run secrets:reseal-mfa: TOTP secrets sealed again under the current MFA_ENCRYPTION_KEY. */
  'auth.mfa_secrets_resealed': null,
  'user.registered': 'user',
  'user.registration_replaced': 'user',
  'user.admin_created': 'user',
  'user.updated': 'user',
  'user.locked': 'user',
  'user.unlocked': 'user',
  'user.tokens_invalidated': 'user',
  'user.mfa_reset': 'user',
  'session.ended': 'session',
  'flags.changed': 'flag_set_version',
  'flags.rolled_back': 'flag_set_version',
  'sdk_key.created': 'sdk_key',
  'sdk_key.revoked': 'sdk_key',
  'incident.opened': 'incident',
  'incident.updated': 'incident',
  'incident.note_added': 'incident',
  'rollout.created': 'rollout',
  'rollout.started': 'rollout',
  'rollout.paused': 'rollout',
  'rollout.resumed': 'rollout',
  'rollout.advanced': 'rollout',
  'rollout.rolled_back': 'rollout',
  'rollout.completed': 'rollout',
  /** The worker's evaluation gave a stage without enough data more time. */
  'rollout.hold_extended': 'rollout',
  /** The worker's evaluation saw a guardrail start or stop breaching (not yet long enough to act). */
  'rollout.guardrails_changed': 'rollout',
  /** Ended by someone else's kill switch or whole-set rollback, which a rollout must never block. */
  'rollout.aborted': 'rollout',
} as const satisfies Record<string, AuditTargetType | null>;

/** What an audit entry can point at. */
export type AuditTargetType = 'user' | 'session' | 'flag_set_version' | 'sdk_key' | 'incident' | 'rollout';

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/**
 * The target an action takes: its listed type and an id; none (never) for an action listed with null.
 * NonNullable, so that code handling a union of actions (some without a target) may still pass one.
 */
export type AuditTargetOf<A extends AuditAction> = [NonNullable<(typeof AUDIT_ACTIONS)[A]>] extends [never]
  ? never
  : { type: NonNullable<(typeof AUDIT_ACTIONS)[A]>; id: string };
