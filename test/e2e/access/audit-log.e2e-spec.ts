import pg from 'pg';
import { Database, UserRepository } from '@rampart/db';
import { AuditLog } from '@rampart/audit';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { createActiveUser, seedTotp } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { runDatabaseUrl } from '../../support/run-settings';
import { type SignedIn, signInWithMfa } from '../support/sign-in';

interface Entry {
  seq: string;
  id: string;
  action: string;
  actor: string;
  targetId: string | null;
  requestId: string | null;
  hash: string;
  prevHash: string;
}

describe('the tamper-evident audit log', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let api: RunningApi;
  let admin: SignedIn;

  const get = async <T>(path: string): Promise<{ status: number; body: T; text: string }> => {
    const response = await fetch(`${api.url}${path}`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    const text = await response.text();
    return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : null) as T, text };
  };
  const verify = (): Promise<{
    body: { valid: boolean; checked: number; firstBroken: { id: string; reason: string } | null };
  }> => get('/v1/admin/audit-logs/verify');

  beforeAll(async () => {
    await db.connect();
    api = await startApiInProcess();
    admin = await signInWithMfa(api.url, await createActiveUser(api.app, { role: 'admin' }));
  });
  afterAll(async () => {
    await api?.close();
    await db.end();
  });

  it('records 100 concurrent admin actions as 100 entries in one unbroken chain', async () => {
    const users = await Promise.all(Array.from({ length: 100 }, () => createActiveUser(api.app)));
    const statuses = await Promise.all(
      users.map((user) =>
        fetch(`${api.url}/v1/admin/users/${user.id}/lock`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin.accessToken}` },
        }).then((response) => response.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));

    const ids = new Set(users.map((user) => user.id));
    const entries: Entry[] = [];
    let cursor = '';
    for (;;) {
      const page = await get<{ items: Entry[]; nextCursor: string | null }>(
        `/v1/admin/audit-logs?action=user.locked&limit=40${cursor}`,
      );
      entries.push(...page.body.items);
      if (!page.body.nextCursor) break;
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    const ours = entries.filter((entry) => entry.targetId && ids.has(entry.targetId));
    expect(ours).toHaveLength(100);
    expect(new Set(ours.map((entry) => entry.requestId)).size).toBe(100);
    for (const entry of ours) expect(entry.actor).toMatch(/^user:[0-9a-f-]{36}$/);

    const result = await verify();
    expect(result.body.valid).toBe(true);
    expect(result.body.checked).toBeGreaterThanOrEqual(100);
  });

  it('filters by target and streams an NDJSON export', async () => {
    const user = await createActiveUser(api.app);
    await fetch(`${api.url}/v1/admin/users/${user.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator' }),
    });
    const page = await get<{ items: (Entry & { changes: unknown })[] }>(
      `/v1/admin/audit-logs?target=user:${user.id}`,
    );
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({
      action: 'user.updated',
      changes: { before: { role: 'viewer' }, after: { role: 'operator' } },
    });

    const exported = await fetch(`${api.url}/v1/admin/audit-logs/export?target=user:${user.id}`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await exported.text()).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as Entry).action).toBe('user.updated');
  });

  it('refuses UPDATE and DELETE by hand (a database trigger)', async () => {
    await expect(
      db.query("UPDATE audit_log SET outcome = 'failure' WHERE seq = (SELECT max(seq) FROM audit_log)"),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.query('DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)'),
    ).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  });

  it('names the first altered entry when someone edits the table with the trigger disabled', async () => {
    const victim = (
      await db.query<{ seq: string; id: string; outcome: string }>(
        'SELECT seq, id, outcome FROM audit_log ORDER BY seq DESC OFFSET 3 LIMIT 1',
      )
    ).rows[0];
    expect(victim).toBeDefined();
    const tamper = async (outcome: string): Promise<void> => {
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete');
      try {
        await db.query('UPDATE audit_log SET outcome = $1 WHERE seq = $2', [outcome, victim?.seq]);
      } finally {
        await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete');
      }
    };
    await tamper(victim?.outcome === 'denied' ? 'success' : 'denied');
    try {
      const broken = await verify();
      expect(broken.body.valid).toBe(false);
      expect(broken.body.firstBroken).toEqual({ seq: victim?.seq, id: victim?.id, reason: 'hash' });
    } finally {
      await tamper(victim?.outcome ?? 'success');
    }
    expect((await verify()).body.valid).toBe(true);
  });

  it('records sign-ins completed with MFA, failed codes, logout and logout-all, each with its request', async () => {
    const user = await createActiveUser(api.app, { role: 'admin' });
    const { secret, recoveryCodes } = await seedTotp(api.app, user);
    const post = async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
      const response = await fetch(`${api.url}/v1/auth/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, ...(text ? (JSON.parse(text) as Record<string, unknown>) : {}) };
    };
    // The second sign-in uses a recovery code: this time step's TOTP code is spent by the first.
    const signInWithRecoveryCode = async (): Promise<Record<string, unknown>> => {
      const challenge = await post('login', { email: user.email, password: user.password });
      return post('mfa/verify', { mfaToken: challenge.mfaToken, recoveryCode: recoveryCodes[0] });
    };
    const challenge = await post('login', { email: user.email, password: user.password });
    expect((await post('mfa/verify', { mfaToken: challenge.mfaToken, code: '000000' })).status).toBe(401);
    const first = await post('mfa/verify', {
      mfaToken: challenge.mfaToken,
      code: totpCodeAt(secret, Date.now()),
    });
    expect(first.status).toBe(200);
    expect((await post('logout', {}, String(first.accessToken))).status).toBe(204);
    const second = await signInWithRecoveryCode();
    expect((await post('logout-all', {}, String(second.accessToken))).status).toBe(204);

    const { rows } = await db.query<{
      action: string;
      outcome: string;
      target_id: string | null;
      actor_role: string | null;
      request_id: string | null;
    }>(
      `SELECT action, outcome, target_id, actor_role, request_id FROM audit_log
        WHERE actor_id = $1 ORDER BY seq`,
      [user.id],
    );
    expect(rows.map((row) => [row.action, row.outcome, row.target_id])).toEqual([
      ['auth.login', 'failure', null],
      ['auth.login', 'success', first.sessionId],
      ['auth.logout', 'success', first.sessionId],
      ['auth.login', 'success', second.sessionId],
      ['auth.logout_all', 'success', user.id],
    ]);
    expect(rows.filter((row) => row.action === 'auth.login' && row.outcome === 'success')).toEqual([
      expect.objectContaining({ actor_role: 'admin' }),
      expect.objectContaining({ actor_role: 'admin' }),
    ]);
    expect(rows.every((row) => row.request_id !== null)).toBe(true);
  });

  it('commits an entry only with its change, and a change only with its entry', async () => {
    const database = api.app.get(Database);
    const audit = api.app.get(AuditLog);
    const users = api.app.get(UserRepository);
    const user = await createActiveUser(api.app);

    // The change fails after its entry was written: neither remains.
    await expect(
      database.transaction(async (tx) => {
        await audit.record(
          { actor: 'system:test-rolled-back', action: 'user.updated', target: { type: 'user', id: user.id } },
          tx,
        );
        await users.setRole(user.id, 'admin', tx);
        throw new Error('the change failed after the audit write');
      }),
    ).rejects.toThrow('the change failed');
    expect((await db.query("SELECT 1 FROM audit_log WHERE actor = 'system:test-rolled-back'")).rowCount).toBe(
      0,
    );
    expect((await users.findById(user.id))?.role).toBe('viewer');

    // The entry cannot be written: the change does not happen either.
    await expect(
      database.transaction(async (tx) => {
        await users.setRole(user.id, 'admin', tx);
        await audit.record({ actor: `system:${'x'.repeat(200)}`, action: 'user.updated' }, tx);
      }),
    ).rejects.toThrow();
    expect((await users.findById(user.id))?.role).toBe('viewer');
  });
});
