import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the current request came from, for code far from the controller (the audit log). */
export interface RequestContextStore {
  requestId: string;
  ipAddress: string;
  userAgent: string | null;
}

/** Set for each request by the HTTP pipeline; undefined outside a request (jobs, scripts). */
export const requestContext = new AsyncLocalStorage<RequestContextStore>();
