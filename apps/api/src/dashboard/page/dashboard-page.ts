import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { assertAllowed } from '../../access/access-decision';
import { answerProblem } from '../../common/http/problem-reply';
import { Authenticator } from '../../identity/authenticator';
import { Permission } from '../../identity/permissions';
import { DASHBOARD_CSS } from './dashboard-style';

export const DASHBOARD_PAGE_PATH = '/admin/dashboard';

/**
 * Only the page's own files, nothing inline (no script, no style attribute: the client sets classes,
 * never styles), nothing from elsewhere; fetches go to this origin only. No forms, no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DASHBOARD_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rampart · Phase-1 dashboard</title>
<link rel="icon" href="${DASHBOARD_PAGE_PATH}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${DASHBOARD_PAGE_PATH}/dashboard.css">
<script defer src="${DASHBOARD_PAGE_PATH}/dashboard.js"></script>
</head>
<body>
<header><h1 id="banner">Loading…</h1><p>Updated <span id="generated-at">—</span> · <span id="state" class="state">loading</span></p></header>
<main>
<section id="overview">
<div class="tile"><h2>Flag set</h2><p class="big">v<span id="flag-version">—</span></p><p id="flag-change"></p></div>
<div class="tile"><h2>API error rate (10 min)</h2><p class="big" id="api-error-rate">—</p></div>
<div class="tile"><h2>API p95 (10 min)</h2><p class="big" id="api-p95">—</p><p><span id="api-requests">—</span> requests, all API processes</p></div>
</section>
<section><h2>Active rollouts</h2>
<table><thead><tr><th>Flag</th><th>Target</th><th>Status</th><th>Stage</th><th>Exposure</th><th>Stage started</th><th>Hold ends</th><th>Guardrails (value / threshold)</th><th>Last decision</th></tr></thead>
<tbody id="rollouts"></tbody></table></section>
<section><h2>Open incidents</h2>
<table><thead><tr><th>Severity</th><th>Title</th><th>Status</th><th>Opened</th><th>Rollout</th></tr></thead>
<tbody id="incidents"></tbody></table></section>
<section><h2>Queues</h2>
<table><thead><tr><th>Queue</th><th>Waiting</th><th>Active</th><th>Delayed</th><th>Failed</th><th>Oldest waiting</th></tr></thead>
<tbody id="queues"></tbody></table></section>
</main>
</body>
</html>
`;

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0d1117"/><path d="M4 11V5h5a2 2 0 0 1 0 4H4m4 0 3 2" stroke="#3fb950" stroke-width="1.6" fill="none"/></svg>';

/** The client script, read once at mount from beside this file (the build compiles it to dist unchanged in meaning). */
function clientScript(): string {
  return readFileSync(path.join(__dirname, 'dashboard.client.js'), 'utf8');
}

/**
 * Mounts the Phase-1 dashboard page at /admin/dashboard (its HTML, script and stylesheet) behind the
 * API's authentication, like the queue dashboard: a Fastify plugin outside Nest's guards, so a hook
 * authenticates every request (bearer or the browser-mode cookie) and decides with the AccessGuard's
 * own rule: `rollouts:read` (viewers, operators, admins; an admin needs an MFA session). Anonymous
 * visitors get the API's 401 problem+json, as at /admin/queues, and see no data. Nothing is cached.
 * Only mounted with ADMIN_DASHBOARD_ENABLED; the data it polls, GET /v1/admin/dashboard, is a route
 * of the API either way.
 */
export async function mountDashboardPage(app: NestFastifyApplication): Promise<void> {
  const authenticator = app.get(Authenticator);
  const files: Record<string, { type: string; body: string }> = {
    '': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
    '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: clientScript() },
    '/dashboard.css': { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
    // Its own icon: otherwise the browser asks for /favicon.ico, which the API answers 404.
    '/favicon.svg': { type: 'image/svg+xml', body: FAVICON_SVG },
  };
  const page: FastifyPluginCallback = (scope, _options, done) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        assertAllowed(await authenticator.authenticate(request, 'same-origin'), [Permission.RolloutsRead]);
      } catch (error) {
        await answerProblem(reply, error, request.id);
      }
    });
    scope.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      void reply.header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-store');
      return payload;
    });
    for (const [suffix, file] of Object.entries(files)) {
      scope.get(`${DASHBOARD_PAGE_PATH}${suffix}`, async (_request, reply) =>
        reply.type(file.type).send(file.body),
      );
    }
    done();
  };
  await app.register(page);
}
