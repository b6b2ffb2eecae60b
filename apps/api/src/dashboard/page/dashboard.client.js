/* global document, window, fetch, setTimeout */
// The Phase-1 dashboard in the browser: polls GET /v1/admin/dashboard with the session cookie every
// few seconds and renders it with DOM calls only (textContent, never HTML from the data). Served as
// a file of its own because the page's CSP allows no inline script. When the access cookie expires it
// refreshes the session once (the CSRF cookie echoed in X-CSRF-Token, as any browser client does).
'use strict';

(function dashboard() {
  const DATA_URL = '/v1/admin/dashboard';
  const REFRESH_URL = '/v1/auth/refresh';
  const POLL_MS = 5000;

  const byId = (id) => document.getElementById(id);

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell instanceof window.Node) td.appendChild(cell);
      else td.textContent = cell === null || cell === undefined ? '—' : String(cell);
      tr.appendChild(td);
    }
    return tr;
  }

  function time(iso) {
    return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
  }

  function age(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 120000) return `${Math.round(ms / 1000)} s`;
    return `${Math.round(ms / 60000)} min`;
  }

  /** A guardrail figure in its unit; units this page does not know are shown as plain numbers. */
  function figure(value, unit) {
    if (value === null || value === undefined) return '—';
    switch (unit) {
      case 'fraction':
        return `${(value * 100).toFixed(2)} %`;
      case 'ms':
        return `${Math.round(value)} ms`;
      case 'bytes':
        return `${Math.round(value / 1048576)} MiB`;
      case 'count':
        return String(Math.round(value));
      default:
        return unit ? `${value} ${unit}` : String(value);
    }
  }

  /** A coloured badge: the class from the status itself, the text may say more (a pause's reason). */
  function status(value, label) {
    const badge = element(
      'span',
      label || value,
      `status status-${String(value).replace(/[^a-z0-9_-]/gi, '')}`,
    );
    badge.dataset.status = value;
    return badge;
  }

  function guardrailList(guardrails) {
    const list = element('ul', null, 'guardrails');
    for (const guardrail of guardrails) {
      const item = document.createElement('li');
      item.dataset.guardrailId = guardrail.id;
      item.appendChild(status(guardrail.status));
      item.appendChild(element('span', ` ${guardrail.id} (${guardrail.kind}) `, 'guardrail-name'));
      item.appendChild(
        element(
          'span',
          `${figure(guardrail.value, guardrail.unit)} / ${figure(guardrail.threshold, guardrail.unit)}` +
            (guardrail.samples === null ? '' : ` · ${guardrail.samples} samples`) +
            (guardrail.breachingSince ? ` · breaching since ${time(guardrail.breachingSince)}` : ''),
          'guardrail-figures',
        ),
      );
      list.appendChild(item);
    }
    return list;
  }

  function fill(tbody, rows, emptyText, columns) {
    tbody.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement('tr');
      const td = element('td', emptyText, 'empty');
      td.colSpan = columns;
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    for (const tr of rows) tbody.appendChild(tr);
  }

  function render(data) {
    byId('banner').textContent = data.banner.text;
    const flags = data.flags;
    byId('flag-version').textContent = String(flags.version);
    byId('flag-change').textContent = flags.lastChange
      ? `changed ${time(flags.lastChange.at)} by ${flags.lastChange.actor}: ${flags.lastChange.reason}`
      : 'no change yet';

    fill(
      byId('rollouts'),
      data.rollouts.map((rollout) => {
        const decision = rollout.lastDecision;
        const tr = row([
          rollout.flagKey,
          rollout.targetVariant,
          status(
            rollout.status,
            rollout.pauseReason ? `${rollout.status} (${rollout.pauseReason})` : undefined,
          ),
          `${rollout.stage}/${rollout.stageCount}`,
          `${rollout.exposure.percentage} %` +
            (rollout.exposure.segments.length ? ` + ${rollout.exposure.segments.join(', ')}` : ''),
          time(rollout.stageStartedAt),
          time(rollout.holdEndsAt),
          guardrailList(rollout.guardrails),
          decision
            ? `${decision.decision} by ${decision.actor} at ${time(decision.at)}: ${decision.reason}`
            : null,
        ]);
        tr.dataset.rolloutId = rollout.id;
        return tr;
      }),
      'No active rollout.',
      9,
    );

    fill(
      byId('incidents'),
      data.incidents.map((incident) => {
        const tr = row([
          status(incident.severity),
          incident.title,
          incident.status,
          time(incident.openedAt),
          incident.rolloutId,
        ]);
        tr.dataset.incidentId = incident.id;
        return tr;
      }),
      'No open incident.',
      5,
    );

    const queues = data.queues;
    fill(
      byId('queues'),
      queues.queues.map((queue) =>
        row([
          queue.name,
          queue.waiting,
          queue.active,
          queue.delayed,
          queue.failed,
          age(queue.oldestWaitingAgeMs),
        ]),
      ),
      queues.available ? 'No queue.' : 'Queue health unavailable (Redis did not answer in time).',
      6,
    );

    const api = data.api;
    byId('api-error-rate').textContent = api.available ? figure(api.errorRate, 'fraction') : 'unavailable';
    byId('api-p95').textContent = api.available ? figure(api.p95Ms, 'ms') : 'unavailable';
    byId('api-requests').textContent = api.available ? String(api.requests) : '—';
    byId('generated-at').textContent = time(data.generatedAt);
  }

  function csrfCookie() {
    for (const part of document.cookie.split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === 'rampart_csrf' || name === '__Host-rampart_csrf') return value.join('=');
    }
    return undefined;
  }

  async function refreshSession() {
    const csrf = csrfCookie();
    if (!csrf) return false;
    const answer = await fetch(REFRESH_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-auth-mode': 'cookie', 'x-csrf-token': csrf },
      body: '{}',
    });
    return answer.ok;
  }

  async function load() {
    let answer = await fetch(DATA_URL, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (answer.status === 401 && (await refreshSession())) {
      answer = await fetch(DATA_URL, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    }
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      throw new Error(`${answer.status} ${problem.code || ''}`.trim());
    }
    return answer.json();
  }

  async function poll() {
    const state = byId('state');
    try {
      render(await load());
      state.textContent = 'live';
      state.className = 'state state-live';
    } catch (error) {
      state.textContent = `not updated: ${error.message}`;
      state.className = 'state state-stale';
    }
    setTimeout(() => void poll(), POLL_MS);
  }

  void poll();
})();
