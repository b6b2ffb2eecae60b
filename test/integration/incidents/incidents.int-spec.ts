import { randomUUID } from 'node:crypto';
import { Database, RolloutRepository } from '@rampart/db';
import { FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { IncidentLog } from '@rampart/incidents';
import { AddIncidentNote } from '../../../apps/api/src/incidents/use-cases/add-incident-note';
import { GetIncident } from '../../../apps/api/src/incidents/use-cases/get-incident';
import { ListIncidents } from '../../../apps/api/src/incidents/use-cases/list-incidents';
import {
  type OpenIncidentInput,
  OpenIncident,
} from '../../../apps/api/src/incidents/use-cases/open-incident';
import {
  type UpdateIncidentInput,
  UpdateIncident,
} from '../../../apps/api/src/incidents/use-cases/update-incident';
import { booleanFlag, uniqueFlagKey } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { aUserPrincipal } from '../support/principals';

/**
 * The incident use cases against the real PostgreSQL: links that must exist, a status that only
 * moves forward, edits that name the version they are based on (one winner among concurrent ones),
 * and every change written with its timeline entry and audit entry in one transaction.
 */
describe('incidents: opened with evidence, moved forward, never a lost edit', () => {
  const api = useApi();
  const db = useDatabase();

  const operator = aUserPrincipal('operator');

  const open = (input: Partial<OpenIncidentInput> = {}) =>
    api.get(OpenIncident).execute({ actor: operator, title: 'Checkout errors', severity: 'sev2', ...input });
  const update = (input: Partial<UpdateIncidentInput> & { incidentId: string; expectedVersion: number }) =>
    api.get(UpdateIncident).execute({ actor: operator, precondition: 'if-match', fields: {}, ...input });

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.rows<{ n: string }>(sql, params))[0]?.n);
  const written = async (incidentId: string): Promise<[number, number]> => [
    await count('SELECT count(*) AS n FROM incident_notes WHERE incident_id = $1', [incidentId]),
    await count("SELECT count(*) AS n FROM audit_log WHERE target_type = 'incident' AND target_id = $1", [
      incidentId,
    ]),
  ];

  const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
    const error: unknown = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
    return error;
  };

  /** A flag-set version that exists: committed for the test. */
  const flagVersion = async (): Promise<number> => {
    const flagSets = api.get(FlagSets);
    const flag = booleanFlag();
    const committed = await flagSets.commit({
      expectedVersion: (await flagSets.current()).version,
      precondition: 'body',
      actor: 'system:tests',
      reason: 'incident evidence',
      apply: (current) => ({ ...current, flags: { ...current.flags, [flag.key]: flag as never } }),
    });
    return committed.snapshot.version;
  };

  it('opens an incident with its links, first timeline entry and audit entry', async () => {
    const version = await flagVersion();
    const evidence = await open({ title: 'evidence' });
    const [auditRow] = await db.rows<{ id: string }>(
      "SELECT id FROM audit_log WHERE target_type = 'incident' AND target_id = $1",
      [evidence.id],
    );
    const rollout = await api.get(RolloutRepository).create({
      flagKey: uniqueFlagKey('incident'),
      targetVariant: 'on',
      plan: {},
      requireApproval: false,
      createdBy: 'system:tests',
    });
    const rolloutId = rollout?.id;
    const incident = await open({
      title: 'Error rate over guardrail at 20%',
      severity: 'sev1',
      symptoms: '5xx on /checkout',
      rolloutId,
      flagVersions: [version, version],
      auditEntryIds: [auditRow?.id ?? ''],
    });
    expect(incident).toMatchObject({
      status: 'open',
      version: 1,
      rolloutId,
      flagVersions: [version],
      auditEntryIds: [auditRow?.id],
      openedBy: `user:${operator.userId}`,
      mitigatedAt: null,
      resolvedAt: null,
    });

    const { timeline } = await api.get(GetIncident).execute({ incidentId: incident.id });
    expect(timeline).toEqual([
      expect.objectContaining({ kind: 'status_change', before: null, after: { status: 'open' } }),
    ]);
    const [entry] = await db.rows<{
      action: string;
      actor: string;
      changes: { after: Record<string, unknown> };
    }>("SELECT action, actor, changes FROM audit_log WHERE target_type = 'incident' AND target_id = $1", [
      incident.id,
    ]);
    expect(entry).toMatchObject({ action: 'incident.opened', actor: `user:${operator.userId}` });
    expect(entry?.changes.after).toMatchObject({
      title: 'Error rate over guardrail at 20%',
      severity: 'sev1',
    });
  });

  it('refuses links to flag versions, audit entries or rollouts that do not exist, by field, writing nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM incidents');
    const ghostEntry = randomUUID();
    const ghostRollout = randomUUID();
    const refused = await refusal(
      open({ flagVersions: [2_000_000_000], auditEntryIds: [ghostEntry], rolloutId: ghostRollout }),
    );
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('validation_failed');
    expect(refused.extensions.errors).toEqual({
      flagVersions: ['no flag-set version 2000000000'],
      auditEntryIds: [`no audit entry ${ghostEntry}`],
      rolloutId: [`no rollout ${ghostRollout}`],
    });
    expect(await count('SELECT count(*) AS n FROM incidents')).toBe(before);
  });

  it('moves an incident only forward: open → mitigated → resolved, never back', async () => {
    const incident = await open();
    const mitigated = await update({ incidentId: incident.id, expectedVersion: 1, status: 'mitigated' });
    expect(mitigated.incident).toMatchObject({ status: 'mitigated', version: 2 });
    expect(mitigated.incident.mitigatedAt).toBeInstanceOf(Date);

    const back = await refusal(update({ incidentId: incident.id, expectedVersion: 2, status: 'open' }));
    expect(back).toMatchObject({ status: 409, code: 'invalid_transition' });
    expect(back.extensions).toEqual({ from: 'mitigated', to: 'open' });

    const resolved = await update({ incidentId: incident.id, expectedVersion: 2, status: 'resolved' });
    expect(resolved.incident).toMatchObject({ status: 'resolved', version: 3 });
    expect(resolved.incident.resolvedAt).toBeInstanceOf(Date);
    const reopen = await refusal(
      update({ incidentId: incident.id, expectedVersion: 3, status: 'mitigated' }),
    );
    expect(reopen.code).toBe('invalid_transition');

    const skipping = await open();
    const straight = await update({ incidentId: skipping.id, expectedVersion: 1, status: 'resolved' });
    expect(straight.incident).toMatchObject({ status: 'resolved', mitigatedAt: null });

    const { timeline } = await api.get(GetIncident).execute({ incidentId: incident.id });
    expect(timeline.map((entry) => [entry.kind, entry.after])).toEqual([
      ['status_change', { status: 'open' }],
      ['status_change', { status: 'mitigated' }],
      ['status_change', { status: 'resolved' }],
    ]);
    const actions = await db.rows<{ action: string }>(
      "SELECT action FROM audit_log WHERE target_type = 'incident' AND target_id = $1 ORDER BY seq",
      [incident.id],
    );
    expect(actions.map((row) => row.action)).toEqual([
      'incident.opened',
      'incident.updated',
      'incident.updated',
    ]);
  });

  it('records field changes with before and after, and writes nothing for an edit that changes nothing', async () => {
    const incident = await open({ causeHypothesis: '' });
    const edited = await update({
      incidentId: incident.id,
      expectedVersion: 1,
      fields: { causeHypothesis: 'connection pool exhausted', severity: 'sev1', title: incident.title },
    });
    expect(edited).toMatchObject({ changed: true, incident: { version: 2, severity: 'sev1' } });
    const { timeline } = await api.get(GetIncident).execute({ incidentId: incident.id });
    expect(timeline[1]).toMatchObject({
      kind: 'field_change',
      before: { causeHypothesis: '', severity: 'sev2' },
      after: { causeHypothesis: 'connection pool exhausted', severity: 'sev1' },
    });

    const [entries, audits] = await written(incident.id);
    const same = await update({ incidentId: incident.id, expectedVersion: 2, fields: { severity: 'sev1' } });
    expect(same).toMatchObject({ changed: false, incident: { version: 2 } });
    expect(await written(incident.id)).toEqual([entries, audits]);
  });

  it('refuses an edit based on an old version (412 for If-Match, 409 for the body) with nothing written', async () => {
    const incident = await open();
    await update({ incidentId: incident.id, expectedVersion: 1, fields: { nextSteps: 'roll back' } });
    const [entries, audits] = await written(incident.id);

    const stale = await refusal(update({ incidentId: incident.id, expectedVersion: 1, status: 'resolved' }));
    expect(stale).toMatchObject({ status: 412, code: 'version_conflict' });
    expect(stale.extensions).toEqual({ currentVersion: 2, expectedVersion: 1 });
    expect(stale.headers).toEqual({ etag: '"2"' });
    const byBody = await refusal(
      update({ incidentId: incident.id, expectedVersion: 1, precondition: 'body', status: 'resolved' }),
    );
    expect(byBody).toMatchObject({ status: 409, code: 'version_conflict' });

    expect(await written(incident.id)).toEqual([entries, audits]);
    const [row] = await db.rows<{ status: string; version: number }>(
      'SELECT status, version FROM incidents WHERE id = $1',
      [incident.id],
    );
    expect(row).toEqual({ status: 'open', version: 2 });
  });

  it('lets exactly one of concurrent edits based on the same version win; the others write nothing', async () => {
    const incident = await open();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, writer) =>
        update({ incidentId: incident.id, expectedVersion: 1, fields: { nextSteps: `writer ${writer}` } }),
      ),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const outcome of lost) expect((outcome.reason as DomainError).code).toBe('version_conflict');
    // The opening and the winner's change: one timeline entry and one audit entry each.
    expect(await written(incident.id)).toEqual([2, 2]);
    const [row] = await db.rows<{ version: number }>('SELECT version FROM incidents WHERE id = $1', [
      incident.id,
    ]);
    expect(row?.version).toBe(2);
  });

  it('opens inside the caller’s unit of work: when a later step fails, neither incident nor audit entry stays', async () => {
    const title = `rolled back with its cause ${randomUUID()}`;
    await expect(
      api.get(Database).unitOfWork(async (unit) => {
        await api.get(IncidentLog).open(unit, { actor: 'system:rollouts', title, severity: 'sev2' });
        throw new Error('the rollback failed');
      }),
    ).rejects.toThrow('the rollback failed');
    expect(await count('SELECT count(*) AS n FROM incidents WHERE title = $1', [title])).toBe(0);
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'incident.opened' AND changes->'after'->>'title' = $1",
        [title],
      ),
    ).toBe(0);

    const opened = await api
      .get(Database)
      .unitOfWork((unit) =>
        api.get(IncidentLog).open(unit, { actor: 'system:rollouts', title, severity: 'sev2' }),
      );
    expect(opened.openedBy).toBe('system:rollouts');
    expect(await written(opened.id)).toEqual([1, 1]);
  });

  it('adds notes to the timeline, audited, without changing the version', async () => {
    const incident = await open();
    const note = await api
      .get(AddIncidentNote)
      .execute({ actor: operator, incidentId: incident.id, body: 'paged the payments team' });
    expect(note).toMatchObject({
      kind: 'note',
      body: 'paged the payments team',
      author: `user:${operator.userId}`,
    });
    const { incident: after, timeline } = await api.get(GetIncident).execute({ incidentId: incident.id });
    expect(after.version).toBe(1);
    expect(timeline.map((entry) => entry.kind)).toEqual(['status_change', 'note']);
    const actions = await db.rows<{ action: string }>(
      "SELECT action FROM audit_log WHERE target_type = 'incident' AND target_id = $1 ORDER BY seq",
      [incident.id],
    );
    expect(actions.map((row) => row.action)).toEqual(['incident.opened', 'incident.note_added']);

    const missing = await refusal(
      api.get(AddIncidentNote).execute({ actor: operator, incidentId: randomUUID(), body: 'lost' }),
    );
    expect(missing).toMatchObject({ status: 404, code: 'incident_not_found' });
  });

  it('lists incidents newest first, filtered by status and severity', async () => {
    const first = await open({ severity: 'sev4' });
    const second = await open({ severity: 'sev4' });
    await update({ incidentId: second.id, expectedVersion: 1, status: 'mitigated' });
    const all = await api.get(ListIncidents).execute({ severity: 'sev4', page: 1, pageSize: 100 });
    const ids = all.items.map((incident) => incident.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    const mitigated = await api
      .get(ListIncidents)
      .execute({ severity: 'sev4', status: 'mitigated', page: 1, pageSize: 100 });
    expect(mitigated.items.map((incident) => incident.id)).toContain(second.id);
    expect(mitigated.items.map((incident) => incident.id)).not.toContain(first.id);
    expect(mitigated.items.every((incident) => incident.status === 'mitigated')).toBe(true);
  });
});
