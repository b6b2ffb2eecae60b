import { Injectable } from '@nestjs/common';
import type { FlagSetSnapshot } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';

/**
 * The flag set as committed now, read from PostgreSQL rather than this process's in-memory copy, so
 * an admin reading right after a write sees it (and the ETag to base the next write on).
 */
@Injectable()
export class GetFlagSet {
  constructor(private readonly flagSets: FlagSets) {}

  execute(): Promise<FlagSetSnapshot> {
    return this.flagSets.current();
  }
}
