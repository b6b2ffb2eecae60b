import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type SdkKeyKind, SdkKeyRepository } from '@rampart/db';
import { ChangeFeed } from '@rampart/jobs';
import { LRUCache } from 'lru-cache';
import { Permission } from './permissions';
import type { ServicePrincipal } from './principal';
import { sdkKeyHash } from './sdk-key-format';

/** How often the active keys are read again besides the change feed (a revocation's worst case). */
const RELOAD_INTERVAL_MS = 5_000;
/** Reloads for keys not in memory (one created a moment ago on another process) start at most this often. */
const MISS_RELOAD_INTERVAL_MS = 100;
/** How often last-use times go to PostgreSQL: never per request. */
const USE_FLUSH_INTERVAL_MS = 60_000;
/** Key hashes remembered (see `hashes`): far more than the SDK keys a deployment has. */
const KEY_HASHES_MAX = 1_000;

interface ActiveKey {
  id: string;
  kind: SdkKeyKind;
}

/**
 * The SDK keys that open OFREP, held in memory by hash so that authenticating a flag evaluation
 * touches neither PostgreSQL nor Redis. Creation and revocation are announced on the change feed and
 * the set is reloaded at once; it is also reloaded every few seconds, so a lost announcement delays a
 * revocation by at most that. Last-use times are kept in memory and written about once a minute.
 */
@Injectable()
export class SdkKeyCredentials implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SdkKeyCredentials.name);
  private byHash = new Map<string, ActiveKey>();
  private reloadStartedAt = 0;
  private reloading: Promise<void> | undefined;
  private scheduled: Promise<void> | undefined;
  private uses = new Map<string, Date>();
  /**
   * The hashes of keys that were active when presented, by key: an SDK sends the same key with every
   * evaluation, and its SHA-256 was a twentieth of a flag evaluation's CPU. Only a hash is remembered,
   * never whether the key is active: that is still looked up in `byHash` on every request, so a
   * revocation applies as before. Made-up keys are not kept, so they cannot push real ones out.
   */
  private readonly hashes = new LRUCache<string, string>({ max: KEY_HASHES_MAX });
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly keys: SdkKeyRepository,
    private readonly changes: ChangeFeed,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.changes.subscribe('sdk-keys.changed', () => void this.reload());
    await this.reload();
    this.timers = [
      setInterval(() => void this.reload(), RELOAD_INTERVAL_MS),
      setInterval(() => void this.flushUses(), USE_FLUSH_INTERVAL_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * The service principal of an active key, or undefined for an unknown or revoked one. A key not in
   * memory may have been created a moment ago on another process, before its announcement arrived:
   * then the answer waits for a read of the keys that started after the request did. Such reads are
   * shared and start at most every MISS_RELOAD_INTERVAL_MS, so a flood of made-up keys costs
   * PostgreSQL ten queries a second, not one per request.
   */
  async principalFor(key: string): Promise<ServicePrincipal | undefined> {
    const hash = this.hashes.get(key) ?? sdkKeyHash(key);
    if (!this.byHash.has(hash)) await this.reloadStartedAfter(Date.now());
    const active = this.byHash.get(hash);
    if (!active) return undefined;
    this.hashes.set(key, hash);
    this.uses.set(active.id, new Date());
    return {
      kind: 'service',
      credentialId: active.id,
      credentialKind: active.kind,
      permissions: [Permission.FlagsEvaluate],
    };
  }

  /** Whether the key with this id is active, as this process knows it now (no I/O). */
  isActive(keyId: string): boolean {
    for (const active of this.byHash.values()) if (active.id === keyId) return true;
    return false;
  }

  reload(): Promise<void> {
    this.reloadStartedAt = Date.now();
    const reloading = (async () => {
      try {
        const active = await this.keys.active();
        this.byHash = new Map(active.map((key) => [key.keyHash, { id: key.id, kind: key.kind }]));
      } catch (error) {
        this.logger.warn({ err: error }, 'could not reload SDK keys; keeping the ones in memory');
      }
    })().finally(() => {
      if (this.reloading === reloading) this.reloading = undefined;
    });
    this.reloading = reloading;
    return reloading;
  }

  /** A reload that started at `since` or later: one in flight, one scheduled, or a new one. */
  private reloadStartedAfter(since: number): Promise<void> {
    if (this.reloading && this.reloadStartedAt >= since) return this.reloading;
    this.scheduled ??= new Promise<void>((resolve) => {
      const wait = Math.max(0, this.reloadStartedAt + MISS_RELOAD_INTERVAL_MS - Date.now());
      setTimeout(resolve, wait).unref();
    }).then(() => {
      this.scheduled = undefined;
      return this.reload();
    });
    return this.scheduled;
  }

  /** Writes the last-use times gathered since the previous flush. */
  async flushUses(): Promise<void> {
    if (!this.uses.size) return;
    const uses = this.uses;
    this.uses = new Map();
    try {
      await this.keys.recordUse(uses);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record SDK key use');
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribe?.();
    await this.flushUses();
  }
}
