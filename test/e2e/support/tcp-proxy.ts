import net from 'node:net';

/**
 * Writes chunks to a socket after a delay that may change at any time, never out of order: a chunk
 * leaves no earlier than the one before it.
 */
class DelayedWriter {
  private releaseAt = 0;

  constructor(
    private readonly target: net.Socket,
    private readonly delayMs: () => number,
  ) {}

  write(chunk: Buffer): void {
    const delay = this.delayMs();
    const now = Date.now();
    if (delay <= 0 && this.releaseAt <= now) {
      this.target.write(chunk);
      return;
    }
    this.releaseAt = Math.max(now + delay, this.releaseAt);
    setTimeout(() => this.target.write(chunk), this.releaseAt - now);
  }
}

/**
 * A TCP proxy in front of PostgreSQL or Redis that a test can break on purpose: `cut()` drops every
 * connection and refuses new ones (the dependency is "down"), `restore()` brings it back,
 * `latencyMs` delays each chunk from the server (a slow dependency keeps requests in flight), and
 * `requestLatencyMs` delays each chunk to the server (an app's next read or write arrives late, so
 * a test can act between an app's steps).
 */
export class TcpProxy {
  latencyMs = 0;
  requestLatencyMs = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private listenPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const defaultPort = parsed.protocol.startsWith('redis') ? 6379 : 5432;
    return new TcpProxy(parsed.hostname, Number(parsed.port || defaultPort));
  }

  get port(): number {
    return this.listenPort;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.listenPort);
    return parsed.toString();
  }

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.listenPort = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    const forget = (): void => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    const toServer = new DelayedWriter(upstream, () => this.requestLatencyMs);
    const toClient = new DelayedWriter(client, () => this.latencyMs);
    client.on('data', (chunk: Buffer) => toServer.write(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.write(chunk));
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
  }

  /** The dependency goes away: open connections drop and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The dependency comes back on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.start(this.listenPort);
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
