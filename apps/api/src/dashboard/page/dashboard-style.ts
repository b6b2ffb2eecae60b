/** The dashboard's stylesheet, served as a file (the CSP allows no inline style). System fonts only. */
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --wait: #9a6700; --muted: #6e7781; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { padding: 12px 20px; background: #0d1117; color: #f0f6fc; }
header h1 { margin: 0; font-size: 18px; font-weight: 600; }
header p { margin: 4px 0 0; color: #8b949e; font-size: 12px; }
main { padding: 12px 20px 40px; }
h2 { font-size: 15px; margin: 20px 0 8px; }
#overview { display: flex; gap: 12px; flex-wrap: wrap; }
.tile { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 220px; }
.tile h2 { margin: 4px 0; font-size: 13px; color: var(--muted); }
.tile p { margin: 2px 0; }
.big { font-size: 24px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #d0d7de; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.empty { color: var(--muted); font-style: italic; }
ul.guardrails { list-style: none; margin: 0; padding: 0; }
ul.guardrails li { margin: 0 0 3px; white-space: nowrap; }
.status { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600;
  border: 1px solid currentColor; }
.status-healthy, .status-running, .status-sev4 { color: var(--ok); }
.status-breaching, .status-sev1, .status-sev2, .status-rolled_back { color: var(--bad); }
.status-insufficient, .status-pending, .status-paused, .status-sev3 { color: var(--wait); }
.state-live { color: #3fb950; }
.state-stale { color: #f85149; }
`;
