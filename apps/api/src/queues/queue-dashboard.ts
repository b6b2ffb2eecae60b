import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JobProducer, QueueName } from '@rampart/jobs';
import { assertAllowed } from '../access/access-decision';
import { answerProblem } from '../common/http/problem-reply';
import { Permission } from '../identity/permissions';
import { Authenticator } from '../identity/authenticator';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * What bull-board's page needs, and nothing from elsewhere:
 * - `base-uri 'self'`: its `<base href="/admin/queues/">` resolves the relative script, style and
 *   API paths (with `'none'` they went to /admin/static/... and the page never left "Loading");
 * - scripts, lazy chunks and the syntax-highlighting worker from its own static files (no inline
 *   script, no eval);
 * - inline styles: the loading placeholder's style attributes and style block, the style element
 *   inside the Redis logo it renders, and those the job-data editor (CodeMirror) inserts carry no
 *   nonce or hash bull-board could set (a strict style-src logs seven violations on the first
 *   screen). Images and fetches stay same-origin and fonts are off, so injected CSS cannot send
 *   anything elsewhere;
 * - no forms, no framing.
 */
export const QUEUE_DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A link in the page to another host (bull-board links a Google Fonts stylesheet). */
const REMOTE_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi;

/**
 * The page minus its links to other hosts: the dashboard must not reach the internet (operators'
 * browsers may have none, and it would tell Google who opens it). It falls back to system fonts.
 */
export function withoutRemoteLinks(html: string): string {
  return html.replace(REMOTE_LINK, '');
}

/**
 * Mounts the bull-board UI (inspect, retry and remove jobs; the failed list is the dead-letter view)
 * at /admin/queues, behind the same rules as the API: it is a Fastify plugin, outside Nest's guards,
 * so a hook of its own authenticates every request (bearer or the browser-mode cookie) and decides
 * with the AccessGuard's own rule (assertAllowed): `queues:read` to look and `queues:operate` to
 * change anything (operators read, admins operate; an admin needs an MFA session). Changes authenticated by the cookie must come from the
 * dashboard's own origin. The page gets a CSP of its own (QUEUE_DASHBOARD_CSP). Only mounted with
 * QUEUE_DASHBOARD_ENABLED.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const producer = app.get(JobProducer);
  const authenticator = app.get(Authenticator);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(producer.queue(name))),
    serverAdapter,
  });
  const guarded = async (scope: FastifyInstance): Promise<void> => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        // Its buttons cannot send X-CSRF-Token, so cookie-authenticated changes must be same-origin.
        const principal = await authenticator.authenticate(request, 'same-origin');
        assertAllowed(principal, [
          READ_METHODS.has(request.method) ? Permission.QueuesRead : Permission.QueuesOperate,
        ]);
      } catch (error) {
        await answerProblem(reply, error, request.id);
      }
    });
    scope.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      void reply.header('content-security-policy', QUEUE_DASHBOARD_CSP);
      const type = reply.getHeader('content-type');
      return typeof payload === 'string' && typeof type === 'string' && type.startsWith('text/html')
        ? withoutRemoteLinks(payload)
        : payload;
    });
    await scope.register(serverAdapter.registerPlugin() as Parameters<FastifyInstance['register']>[0], {
      prefix: QUEUE_DASHBOARD_PATH,
    });
  };
  await app.register(guarded);
}
