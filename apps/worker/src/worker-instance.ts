import { hostname } from 'node:os';

/** Names this worker process in heartbeats and logs: host and pid. */
export class WorkerInstance {
  readonly id = `${hostname()}:${process.pid}`;
}
