export { DbModule } from './db.module';
export { DatabaseHealth } from './database-health';
export { HeartbeatRepository } from './heartbeats/heartbeat.repository';
export type { Heartbeat } from './heartbeats/heartbeat';
