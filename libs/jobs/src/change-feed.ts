import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { type ChangeTopic, type ChangeTopics, isChangeTopic } from './change-topics';
import { RedisConnections } from './redis-connections';

type Listener<T extends ChangeTopic> = (message: ChangeTopics[T]) => void;

/**
 * Tells the other processes (and this one) that something changed, over Redis pub/sub, for the
 * after-commit step of a unit of work. Delivery is at most once and only to processes connected at
 * the time: every subscriber must also poll its source of truth now and then (the flag snapshot
 * checks PostgreSQL's version), so a message lost to a Redis outage only delays the change.
 * Publishing never throws: the change is committed already, and failing the request that made it
 * would tell its caller it did not happen.
 */
@Injectable()
export class ChangeFeed implements OnModuleDestroy {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly channelPrefix: string;
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<ChangeTopic, Set<Listener<ChangeTopic>>>();

  constructor(
    config: RuntimeConfig,
    private readonly connections: RedisConnections,
  ) {
    this.channelPrefix = `${config.redis.keyPrefix}:changes:`;
  }

  /** Announces a change; false when Redis did not take it (logged; subscribers' polling catches up). */
  async publish<T extends ChangeTopic>(topic: T, message: ChangeTopics[T]): Promise<boolean> {
    this.publisher ??= this.connections.open('producer', 'changes');
    try {
      await this.publisher.publish(this.channelPrefix + topic, JSON.stringify(message));
      return true;
    } catch (error) {
      this.logger.warn({ topic, err: error }, 'change not announced; subscribers will catch up by polling');
      return false;
    }
  }

  /**
   * Calls `listener` with every message of `topic` published from now on, until the returned
   * function is called. Resolves once Redis confirmed the subscription (or at once while Redis is
   * away: the connection subscribes again when it comes back).
   */
  async subscribe<T extends ChangeTopic>(topic: T, listener: Listener<T>): Promise<() => void> {
    const subscriber = this.subscriberConnection();
    let listeners = this.listeners.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(topic, listeners);
      await this.subscribeChannel(subscriber, topic);
    }
    listeners.add(listener as Listener<ChangeTopic>);
    return () => void listeners.delete(listener as Listener<ChangeTopic>);
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.connections.open('subscriber', 'changes');
    // After a reconnect, subscribe again to every topic (the connection does not, see RedisRole).
    subscriber.on('ready', () => {
      for (const topic of this.listeners.keys()) void this.subscribeChannel(subscriber, topic);
    });
    subscriber.on('message', (channel: string, text: string) => {
      const topic = channel.slice(this.channelPrefix.length);
      if (!channel.startsWith(this.channelPrefix) || !isChangeTopic(topic)) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        this.logger.warn({ topic }, 'unreadable change message ignored');
        return;
      }
      for (const listener of this.listeners.get(topic) ?? []) {
        try {
          listener(message as ChangeTopics[typeof topic]);
        } catch (error) {
          this.logger.error({ topic, err: error }, 'change listener failed');
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private subscribeChannel(subscriber: Redis, topic: ChangeTopic): Promise<void> {
    return subscriber.subscribe(this.channelPrefix + topic).then(
      () => undefined,
      (error: unknown) => this.logger.warn({ topic, err: error }, 'subscription pending until Redis is back'),
    );
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }
}
