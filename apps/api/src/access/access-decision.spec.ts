import { DomainError } from '@rampart/http';
import { Permission } from '../identity/permissions';
import type { Principal, ServicePrincipal, UserPrincipal } from '../identity/principal';
import { assertAllowed } from './access-decision';

function user(role: UserPrincipal['role'], amr: string[] = ['pwd']): UserPrincipal {
  return {
    kind: 'user',
    userId: 'u1',
    sessionId: 's1',
    role,
    amr,
    jti: 'j1',
    expiresAt: new Date(Date.now() + 60_000),
  };
}

function service(permissions: Permission[]): ServicePrincipal {
  return { kind: 'service', credentialId: 'c1', credentialKind: 'server', permissions };
}

function refusal(principal: Principal, required: Permission[]): DomainError | undefined {
  try {
    assertAllowed(principal, required);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

describe('assertAllowed', () => {
  it('opens nothing for an empty list, to anyone', () => {
    for (const principal of [user('admin', ['pwd', 'mfa']), service(Object.values(Permission))]) {
      expect(refusal(principal, [])?.code).toBe('forbidden');
    }
  });

  it("holds a user to their role's permissions, naming what is missing", () => {
    expect(refusal(user('viewer'), [Permission.SelfRead])).toBeUndefined();
    const error = refusal(user('operator'), [Permission.QueuesRead, Permission.UsersRead]);
    expect(error?.code).toBe('forbidden');
    expect(error?.detail).toBe('Your role (operator) lacks users:read.');
  });

  it('asks an admin without MFA for it on administrative routes only', () => {
    expect(refusal(user('admin'), [Permission.SelfWrite])).toBeUndefined();
    expect(refusal(user('admin'), [Permission.UsersRead])?.code).toBe('mfa_required');
    expect(refusal(user('admin', ['pwd', 'mfa']), [Permission.UsersRead])).toBeUndefined();
  });

  it('holds a service credential to its grant, with no role and no MFA rule', () => {
    const flags = service([Permission.QueuesRead]);
    expect(refusal(flags, [Permission.QueuesRead])).toBeUndefined();
    const error = refusal(flags, [Permission.SelfRead]);
    expect(error?.code).toBe('forbidden');
    expect(error?.detail).toBe('This credential lacks self:read.');
  });
});
