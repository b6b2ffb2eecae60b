import { Injectable } from '@nestjs/common';
import { type AuditActor, AuditLog } from '@rampart/audit';
import {
  INCIDENT_LIMITS,
  INCIDENT_STATUSES,
  type Incident,
  type IncidentChanges,
  type IncidentEntry,
  type IncidentFields,
  IncidentRepository,
  type IncidentSeverity,
  type IncidentStatus,
  type UnitOfWork,
} from '@rampart/db';
import { DomainError, type FieldErrors, validationProblem } from '@rampart/http';

/** What opening an incident takes: a title and a severity; the rest may follow as it is learnt. */
export interface IncidentOpening {
  actor: AuditActor;
  title: string;
  severity: IncidentSeverity;
  symptoms?: string;
  causeHypothesis?: string;
  nextSteps?: string;
  rolloutId?: string | null;
  flagVersions?: number[];
  auditEntryIds?: string[];
}

/** How the caller stated the version its edit is based on; it decides the status of a stale one. */
export type IncidentPrecondition = 'if-match' | 'body';

/** An edit: the fields to change and/or the next status, based on the version the caller saw. */
export interface IncidentEdit {
  actor: AuditActor;
  incidentId: string;
  expectedVersion: number;
  precondition: IncidentPrecondition;
  fields?: Partial<IncidentFields>;
  status?: IncidentStatus;
}

export interface EditedIncident {
  incident: Incident;
  /** False when the edit asked for what already was: nothing was written. */
  changed: boolean;
}

const FIELD_NAMES = [
  'title',
  'severity',
  'symptoms',
  'causeHypothesis',
  'nextSteps',
  'rolloutId',
  'flagVersions',
  'auditEntryIds',
] as const satisfies readonly (keyof IncidentFields)[];

function actorName(actor: AuditActor): string {
  return typeof actor === 'string' ? actor : `user:${actor.userId}`;
}

function unique<T>(values: T[] | undefined): T[] {
  return [...new Set(values ?? [])];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function incidentNotFound(): DomainError {
  return new DomainError('incident_not_found', 404, 'There is no incident with this id.');
}

/**
 * Incidents' one write path, for both apps: opening one, editing it, adding to its timeline. Every
 * method writes in the caller's unit of work, together with its timeline entry and its audit entry,
 * so that what caused the incident (the worker's automatic rollback, later) commits with it or not
 * at all.
 */
@Injectable()
export class IncidentLog {
  constructor(
    private readonly incidents: IncidentRepository,
    private readonly audit: AuditLog,
  ) {}

  async open({ tx }: UnitOfWork, opening: IncidentOpening): Promise<Incident> {
    const fields: IncidentFields = {
      title: opening.title,
      severity: opening.severity,
      symptoms: opening.symptoms ?? '',
      causeHypothesis: opening.causeHypothesis ?? '',
      nextSteps: opening.nextSteps ?? '',
      rolloutId: opening.rolloutId ?? null,
      flagVersions: unique(opening.flagVersions),
      auditEntryIds: unique(opening.auditEntryIds),
    };
    await this.checkFields(fields, { tx });
    const author = actorName(opening.actor);
    const incident = await this.incidents.create({ ...fields, openedBy: author }, tx);
    await this.incidents.addEntry(
      { incidentId: incident.id, kind: 'status_change', author, before: null, after: { status: 'open' } },
      tx,
    );
    await this.audit.record(
      {
        actor: opening.actor,
        action: 'incident.opened',
        target: { type: 'incident', id: incident.id },
        changes: { after: { ...fields, status: incident.status, version: incident.version } },
      },
      tx,
    );
    return incident;
  }

  /**
   * Changes fields and/or moves the status forward, if the incident is still at the version the
   * caller saw: 412/409 `version_conflict` otherwise, 409 `invalid_transition` for a status that is
   * not later than the current one. One timeline entry per kind of change, one audit entry.
   */
  async update({ tx }: UnitOfWork, edit: IncidentEdit): Promise<EditedIncident> {
    const current = await this.incidents.find(edit.incidentId, tx);
    if (!current) throw incidentNotFound();
    if (current.version !== edit.expectedVersion) throw this.stale(current.version, edit);

    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const name of FIELD_NAMES) {
      const wanted = edit.fields?.[name];
      if (wanted === undefined) continue;
      const value =
        name === 'flagVersions' || name === 'auditEntryIds' ? unique(wanted as unknown[]) : wanted;
      if (same(current[name], value)) continue;
      before[name] = current[name];
      after[name] = value;
    }
    const statusChange = edit.status !== undefined && edit.status !== current.status ? edit.status : null;
    if (statusChange) this.checkTransition(current.status, statusChange);
    if (!statusChange && !Object.keys(after).length) return { incident: current, changed: false };
    await this.checkFields(after, { tx });

    const now = new Date();
    const changes: IncidentChanges = {
      ...(after as Partial<IncidentFields>),
      ...(statusChange ? { status: statusChange } : {}),
      ...(statusChange === 'mitigated' ? { mitigatedAt: now } : {}),
      ...(statusChange === 'resolved' ? { resolvedAt: now } : {}),
    };
    const updated = await this.incidents.updateIfVersion(current.id, edit.expectedVersion, changes, tx);
    if (!updated) {
      // Another edit based on the same version committed first.
      const now = await this.incidents.find(current.id, tx);
      throw now ? this.stale(now.version, edit) : incidentNotFound();
    }

    const author = actorName(edit.actor);
    if (statusChange) {
      await this.incidents.addEntry(
        {
          incidentId: current.id,
          kind: 'status_change',
          author,
          before: { status: current.status },
          after: { status: statusChange },
        },
        tx,
      );
    }
    if (Object.keys(after).length) {
      await this.incidents.addEntry(
        { incidentId: current.id, kind: 'field_change', author, before, after },
        tx,
      );
    }
    await this.audit.record(
      {
        actor: edit.actor,
        action: 'incident.updated',
        target: { type: 'incident', id: current.id },
        changes: {
          before: {
            ...before,
            ...(statusChange ? { status: current.status } : {}),
            version: current.version,
          },
          after: { ...after, ...(statusChange ? { status: statusChange } : {}), version: updated.version },
        },
      },
      tx,
    );
    return { incident: updated, changed: true };
  }

  /** A note on the timeline, in any status (a resolved incident still gathers its follow-ups). */
  async addNote(
    { tx }: UnitOfWork,
    note: { actor: AuditActor; incidentId: string; body: string },
  ): Promise<IncidentEntry> {
    if (note.body.length > INCIDENT_LIMITS.note) {
      throw validationProblem({ body: [`body must be at most ${INCIDENT_LIMITS.note} characters`] });
    }
    if (!(await this.incidents.find(note.incidentId, tx))) throw incidentNotFound();
    const entry = await this.incidents.addEntry(
      { incidentId: note.incidentId, kind: 'note', author: actorName(note.actor), body: note.body },
      tx,
    );
    await this.audit.record(
      {
        actor: note.actor,
        action: 'incident.note_added',
        target: { type: 'incident', id: note.incidentId },
        changes: { after: { noteId: entry.id, body: note.body } },
      },
      tx,
    );
    return entry;
  }

  private checkTransition(from: IncidentStatus, to: IncidentStatus): void {
    if (INCIDENT_STATUSES.indexOf(to) > INCIDENT_STATUSES.indexOf(from)) return;
    throw new DomainError(
      'invalid_transition',
      409,
      `An incident moves only forward (open → mitigated → resolved): it is ${from} and cannot become ${to}.`,
      { from, to },
    );
  }

  /**
   * Lengths the table holds (the API's DTOs check them first; this guards the worker's callers), and
   * links that point at what exists: unknown flag-set versions or audit entries are field errors.
   */
  private async checkFields(fields: Partial<IncidentFields>, { tx }: Pick<UnitOfWork, 'tx'>): Promise<void> {
    const errors: FieldErrors = {};
    if (fields.title !== undefined && (!fields.title.length || fields.title.length > INCIDENT_LIMITS.title))
      errors.title = [`title must be 1 to ${INCIDENT_LIMITS.title} characters`];
    for (const name of ['symptoms', 'causeHypothesis', 'nextSteps'] as const) {
      if ((fields[name]?.length ?? 0) > INCIDENT_LIMITS.text)
        errors[name] = [`${name} must be at most ${INCIDENT_LIMITS.text} characters`];
    }
    const versions = await this.incidents.missingFlagVersions(fields.flagVersions ?? [], tx);
    if (versions.length) errors.flagVersions = [`no flag-set version ${versions.join(', ')}`];
    const entries = await this.incidents.missingAuditEntries(fields.auditEntryIds ?? [], tx);
    if (entries.length) errors.auditEntryIds = [`no audit entry ${entries.join(', ')}`];
    if (fields.rolloutId && !(await this.incidents.rolloutExists(fields.rolloutId, tx)))
      errors.rolloutId = [`no rollout ${fields.rolloutId}`];
    if (Object.keys(errors).length) throw validationProblem(errors);
  }

  private stale(currentVersion: number, edit: IncidentEdit): DomainError {
    return new DomainError(
      'version_conflict',
      edit.precondition === 'if-match' ? 412 : 409,
      `The incident is at version ${currentVersion}, not ${edit.expectedVersion}: read it again and reapply your change.`,
      { currentVersion, expectedVersion: edit.expectedVersion },
      { etag: `"${currentVersion}"` },
    );
  }
}
