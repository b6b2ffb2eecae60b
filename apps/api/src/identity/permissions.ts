import type { Role } from '@rampart/db';

/**
 * What a route may require. Named `resource:action`; features add theirs when they land (flags,
 * rollouts). The one place that says which role may do what is ROLE_PERMISSIONS below.
 */
export const Permission = {
  /** The caller's own account: profile, password, MFA, sessions. */
  SelfRead: 'self:read',
  SelfWrite: 'self:write',
  UsersRead: 'users:read',
  UsersWrite: 'users:write',
  /** Removing a user's second factor (a lost authenticator): it lowers that account's protection. */
  UsersResetMfa: 'users:reset-mfa',
  AuditRead: 'audit:read',
  QueuesRead: 'queues:read',
  QueuesOperate: 'queues:operate',
  /** The flag set, its history and audit trail. */
  FlagsRead: 'flags:read',
  /** Creating and editing flags and segments. */
  FlagsWrite: 'flags:write',
  /** What incidents need: the kill switch (a flag on or off) and rollback. Operators answer incidents. */
  FlagsOperate: 'flags:operate',
  /** Issuing and revoking SDK keys. */
  SdkKeysManage: 'sdk-keys:manage',
  /** Evaluating flags over OFREP: held by SDK keys (service credentials), not by any role. */
  FlagsEvaluate: 'flags:evaluate',
  /** Canary rollouts, their stages and guardrail verdicts: what is rolling out and how it is going. */
  RolloutsRead: 'rollouts:read',
  /** Starting, pausing, resuming and rolling back a rollout: operators run rollouts as they answer incidents. */
  RolloutsOperate: 'rollouts:operate',
  /** Incidents and their timelines: everyone who watches a rollout may read what went wrong. */
  IncidentsRead: 'incidents:read',
  /** Opening incidents, editing them, moving them forward and adding notes: the people who answer them. */
  IncidentsWrite: 'incidents:write',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

const SELF: readonly Permission[] = [Permission.SelfRead, Permission.SelfWrite];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: [...SELF, Permission.FlagsRead, Permission.RolloutsRead, Permission.IncidentsRead],
  operator: [
    ...SELF,
    Permission.QueuesRead,
    Permission.FlagsRead,
    Permission.FlagsOperate,
    Permission.RolloutsRead,
    Permission.RolloutsOperate,
    Permission.IncidentsRead,
    Permission.IncidentsWrite,
  ],
  admin: Object.values(Permission).filter((permission) => permission !== Permission.FlagsEvaluate),
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Beyond the caller's own account: for an admin such a route needs a session that passed MFA. */
export function isAdministrative(permissions: readonly Permission[]): boolean {
  return permissions.some((permission) => !SELF.includes(permission));
}
