/** sev1 the worst (an outage, data at risk) to sev4 (cosmetic, a near miss). */
export const INCIDENT_SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** In lifecycle order: an incident only ever moves to a later one. */
export const INCIDENT_STATUSES = ['open', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type IncidentEntryKind = 'note' | 'status_change' | 'field_change';

/** The longest title, symptoms (and cause hypothesis, next steps) and note body the table holds. */
export const INCIDENT_LIMITS = { title: 200, text: 10_000, note: 4_000 } as const;

/** The fields people describe an incident with; what an edit may change besides the status. */
export interface IncidentFields {
  title: string;
  severity: IncidentSeverity;
  symptoms: string;
  causeHypothesis: string;
  nextSteps: string;
  /** A rollout's id; checked to exist when set. */
  rolloutId: string | null;
  flagVersions: number[];
  auditEntryIds: string[];
}

export interface Incident extends IncidentFields {
  id: string;
  status: IncidentStatus;
  /** `user:<id>` or `system:<component>`, as in the audit log. */
  openedBy: string;
  openedAt: Date;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  updatedAt: Date;
  /** 1 when opened, one more with each edit: what an edit names as the state it is based on. */
  version: number;
}

export type NewIncident = IncidentFields & { openedBy: string };

/** What an edit writes: changed fields, and for a status change the new status and its time. */
export type IncidentChanges = Partial<IncidentFields> &
  Partial<Pick<Incident, 'status' | 'mitigatedAt' | 'resolvedAt'>>;

/** One entry of an incident's timeline. */
export interface IncidentEntry {
  id: string;
  incidentId: string;
  kind: IncidentEntryKind;
  author: string;
  body: string;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

export type NewIncidentEntry = Pick<IncidentEntry, 'incidentId' | 'kind' | 'author'> &
  Partial<Pick<IncidentEntry, 'body' | 'before' | 'after'>>;

export interface IncidentListQuery {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  page: number;
  pageSize: number;
}
