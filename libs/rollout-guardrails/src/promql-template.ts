/**
 * The PromQL a Prometheus guardrail holds is a template: `{{variant}}` (required), `{{flag}}` and
 * `{{window}}` are filled in by the worker for each variant and span it asks about. Validating and
 * rendering are here, pure, so that the plan's validation and the worker agree on what a template is.
 */

/** A query longer than this is not one a person reviews in a rollout plan. */
export const MAX_PROMQL_LENGTH = 2_000;

export const PROMQL_TEMPLATE_VARIABLES = ['variant', 'flag', 'window'] as const;
export type PromqlTemplateVariable = (typeof PROMQL_TEMPLATE_VARIABLES)[number];

/** `{{name}}`, with optional spaces inside the braces as Flagger writes them (`{{ variant }}`). */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function placeholdersOf(query: string): string[] {
  return [...query.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** Why the template cannot be used, or [] when it can. */
export function promqlTemplateProblems(query: string): string[] {
  const problems: string[] = [];
  const names = placeholdersOf(query);
  const unknown = [
    ...new Set(names.filter((name) => !(PROMQL_TEMPLATE_VARIABLES as readonly string[]).includes(name))),
  ];
  if (unknown.length > 0) {
    problems.push(
      `unknown template variable(s) ${unknown.map((name) => `{{${name}}}`).join(', ')}: use ${PROMQL_TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(', ')}`,
    );
  }
  if (!names.includes('variant')) {
    // Without the variant, target and control would get the same figure: nothing to judge.
    problems.push('must contain {{variant}}, so that the target and the control are queried apart');
  }
  return problems;
}

/** Whether the query depends on the span asked about; one that does not gives one figure for any span. */
export function usesWindow(query: string): boolean {
  return placeholdersOf(query).includes('window');
}

/**
 * A value for a double-quoted PromQL string (`variant="{{variant}}"`): backslash and double quote
 * escaped, line breaks spelled out. Flag keys and variants are keys already (no quotes), but a
 * template must never be able to turn a value into query syntax.
 */
export function escapePromqlString(value: string): string {
  return value
    .replace(/[\\"]/g, (character) => `\\${character}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** A Prometheus duration of whole seconds (`600s`); spans are at least a second (see prometheusSpans). */
export function promqlDuration(ms: number): string {
  return `${Math.max(1, Math.floor(ms / 1_000))}s`;
}

export interface PromqlValues {
  variant: string;
  flag: string;
  windowMs: number;
}

/** The template with its variables filled in. */
export function renderPromql(query: string, values: PromqlValues): string {
  return query.replace(PLACEHOLDER, (whole, name: string) => {
    switch (name) {
      case 'variant':
        return escapePromqlString(values.variant);
      case 'flag':
        return escapePromqlString(values.flag);
      case 'window':
        return promqlDuration(values.windowMs);
      default:
        // Validation refuses unknown variables; a stored plan older than a rename is left as written.
        return whole;
    }
  });
}
