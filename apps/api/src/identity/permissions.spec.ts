import { Permission, ROLE_PERMISSIONS, isAdministrative, roleHas } from './permissions';

/** The role matrix, pinned: a change to who may do what must change this test and docs/access-control.md. */
describe('ROLE_PERMISSIONS', () => {
  it('gives viewers their account and read access to flags, rollouts and incidents', () => {
    expect([...ROLE_PERMISSIONS.viewer].sort()).toEqual(
      ['self:read', 'self:write', 'flags:read', 'rollouts:read', 'incidents:read'].sort(),
    );
  });

  it('lets operators run rollouts, switch flags and answer incidents', () => {
    expect([...ROLE_PERMISSIONS.operator].sort()).toEqual(
      [
        'self:read',
        'self:write',
        'queues:read',
        'flags:read',
        'flags:operate',
        'rollouts:read',
        'rollouts:operate',
        'incidents:read',
        'incidents:write',
      ].sort(),
    );
  });

  it('gives admins everything but flag evaluation, which only SDK keys hold', () => {
    const all = Object.values(Permission);
    expect([...ROLE_PERMISSIONS.admin].sort()).toEqual(all.filter((p) => p !== 'flags:evaluate').sort());
    expect(roleHas('admin', Permission.IncidentsWrite)).toBe(true);
    expect(roleHas('viewer', Permission.IncidentsWrite)).toBe(false);
  });

  it('treats the incident and rollout permissions as administrative (an admin needs MFA for them)', () => {
    for (const permission of [
      Permission.RolloutsRead,
      Permission.RolloutsOperate,
      Permission.IncidentsRead,
      Permission.IncidentsWrite,
    ]) {
      expect(isAdministrative([permission])).toBe(true);
    }
  });
});
