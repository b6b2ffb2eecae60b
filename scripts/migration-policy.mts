// The migration policy's checker (docs/migrations.md): expand, then contract one release later, so the
// release before a migration still runs on the schema after it and rolling the application back never
// needs a schema rollback. A migration may therefore only add (tables, nullable columns, columns with
// a default, indexes, enum values) and widen (varchar(n) to varchar(m > n) or text, integer to bigint,
// more numeric digits, more time precision). Anything the previous release could trip over or that
// loses data is destructive and belongs in a contract step, marked on its first line:
//
//   -- rampart: contract (expand released in <release or migration of the expand step>)
//
// Destructive here: DROP TABLE / VIEW / MATERIALIZED VIEW / SEQUENCE / TYPE / DOMAIN / SCHEMA /
// DATABASE, DROP COLUMN, RENAME of a table, column, view, sequence, type or enum value, a type change
// that is not clearly a widening, SET NOT NULL on a column without a default, DROP DEFAULT on a column
// not known to be nullable, ADD COLUMN ... NOT NULL without a default on an existing table, TRUNCATE
// and DELETE. Allowed: DROP INDEX, DROP CONSTRAINT, DROP TRIGGER / FUNCTION (no data is lost, and the
// previous release writes nothing those objects exist for; review them like any change). Comments,
// string literals and function bodies are not read as statements; the body of a DO block is.
//
// Pure: no I/O. The column types a type change is judged against come from the migrations before it
// (checkMigrations tracks CREATE TABLE and ALTER TABLE as it goes); an unknown old type is not
// clearly a widening.

export interface DestructiveStatement {
  /** What makes it destructive, for the message. */
  rule: string;
  /** The statement, whitespace collapsed, shortened. */
  statement: string;
  /** 1-based line of the statement's first token in the migration file. */
  line: number;
}

export interface MigrationVerdict {
  /** The migration's folder name (or whatever the caller named it). */
  name: string;
  /** The expand step the contract marker names, or null when the migration is not marked. */
  contractOf: string | null;
  destructive: DestructiveStatement[];
  /** Destructive statements of an unmarked migration, or a malformed marker: what breaks the policy. */
  violations: string[];
}

export interface Column {
  type: NormalizedType | null;
  notNull: boolean;
  hasDefault: boolean;
}

/** The columns of each table the migrations so far created, by table name then column name. */
export type SchemaState = Map<string, Map<string, Column>>;

export const CONTRACT_MARKER_PREFIX = '-- rampart: contract';
const MARKER = /^--\s*rampart:\s*contract\b(.*)$/i;
const MARKER_REFERENCE = /^\s*\(\s*expand released in\s+([^)]*?)\s*\)\s*$/i;

/** The first line a contract step starts with. */
export function contractMarker(expandReleasedIn: string): string {
  return `${CONTRACT_MARKER_PREFIX} (expand released in ${expandReleasedIn.trim()})`;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'punct' | 'dollar';

interface Token {
  kind: TokenKind;
  /** Words upper-cased, quoted identifiers unquoted, dollar-quoted strings their body. */
  value: string;
  start: number;
  end: number;
}

function lineOf(sql: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (sql.charCodeAt(i) === 10) line += 1;
  return line;
}

/** PostgreSQL's lexical structure, as far as telling statements, keywords and names apart needs. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i += 1;
    } else if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth += 1;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth -= 1;
          i += 2;
        } else i += 1;
      } while (i < n && depth > 0);
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const start = i;
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i += 1;
      }
      i += 1;
      tokens.push({ kind: 'string', value: '', start, end: i });
    } else if (c === '"') {
      const start = i;
      let value = '';
      i += 1;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (sql[i] === '"') break;
        else {
          value += sql[i];
          i += 1;
        }
      }
      i += 1;
      tokens.push({ kind: 'ident', value, start, end: i });
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))?.[0] as string;
      const start = i;
      const close = sql.indexOf(tag, i + tag.length);
      const bodyEnd = close === -1 ? n : close;
      const value = sql.slice(i + tag.length, bodyEnd);
      i = close === -1 ? n : close + tag.length;
      tokens.push({ kind: 'dollar', value, start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i] as string)) i += 1;
      tokens.push({ kind: 'word', value: sql.slice(start, i).toUpperCase(), start, end: i });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < n && /[0-9.]/.test(sql[i] as string)) i += 1;
      tokens.push({ kind: 'number', value: sql.slice(start, i), start, end: i });
    } else {
      tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
      i += 1;
    }
  }
  return tokens;
}

interface Statement {
  tokens: Token[];
  text: string;
  line: number;
}

function statements(sql: string, lineOffset = 0): Statement[] {
  const all = tokenize(sql);
  const result: Statement[] = [];
  let current: Token[] = [];
  const flush = (): void => {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last) {
      const text = sql.slice(first.start, last.end).replace(/\s+/g, ' ');
      result.push({
        tokens: current,
        text: text.length > 160 ? `${text.slice(0, 157)}...` : text,
        line: lineOf(sql, first.start) + lineOffset,
      });
    }
    current = [];
  };
  for (const token of all) {
    if (token.kind === 'punct' && token.value === ';') flush();
    else current.push(token);
  }
  flush();
  return result;
}

const isWord = (token: Token | undefined, ...words: string[]): boolean =>
  token?.kind === 'word' && words.includes(token.value);
const isPunct = (token: Token | undefined, value: string): boolean =>
  token?.kind === 'punct' && token.value === value;
const isName = (token: Token | undefined): boolean => token?.kind === 'ident' || token?.kind === 'word';

/** Splits tokens on commas outside parentheses. */
function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [];
  let depth = 0;
  let current: Token[] = [];
  for (const token of tokens) {
    if (isPunct(token, '(')) depth += 1;
    if (isPunct(token, ')')) depth -= 1;
    if (depth === 0 && isPunct(token, ',')) {
      parts.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** A possibly schema-qualified name starting at `index`: its last part (lower-cased unless quoted) and the index after it. */
function qualifiedName(tokens: Token[], index: number): { name: string; next: number } | null {
  let i = index;
  let name: string | null = null;
  while (isName(tokens[i])) {
    const token = tokens[i] as Token;
    name = token.kind === 'ident' ? token.value : token.value.toLowerCase();
    if (isPunct(tokens[i + 1], '.')) i += 2;
    else return { name, next: i + 1 };
  }
  return name === null ? null : { name, next: i };
}

// ---------------------------------------------------------------------------------------------------------
// Types

export interface NormalizedType {
  base: string;
  args: number[];
  array: boolean;
  /** The type as written, for messages. */
  text: string;
}

const TYPE_ALIASES: Record<string, string> = {
  INT: 'INTEGER',
  INT4: 'INTEGER',
  INT8: 'BIGINT',
  INT2: 'SMALLINT',
  'CHARACTER VARYING': 'VARCHAR',
  CHARACTER: 'CHAR',
  BPCHAR: 'CHAR',
  DECIMAL: 'NUMERIC',
  FLOAT4: 'REAL',
  FLOAT8: 'DOUBLE PRECISION',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
  'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP',
  'TIME WITHOUT TIME ZONE': 'TIME',
  'TIME WITH TIME ZONE': 'TIMETZ',
  BOOL: 'BOOLEAN',
};

/** Words that end a column's type in a column definition or an ALTER ... TYPE. */
const TYPE_END = new Set([
  'NOT',
  'NULL',
  'DEFAULT',
  'CONSTRAINT',
  'PRIMARY',
  'UNIQUE',
  'REFERENCES',
  'CHECK',
  'GENERATED',
  'COLLATE',
  'USING',
]);

function normalizeType(tokens: Token[]): NormalizedType | null {
  const words: string[] = [];
  const args: number[] = [];
  let array = false;
  let i = 0;
  let enumName: string | null = null;
  for (; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.kind === 'word' && TYPE_END.has(token.value)) break;
    if (token.kind === 'ident') enumName = token.value;
    else if (token.kind === 'word') words.push(token.value);
    else if (token.kind === 'number') args.push(Number(token.value));
    else if (isPunct(token, '[')) array = true;
  }
  const text = tokens
    .slice(0, i)
    .map((token) => (token.kind === 'ident' ? `"${token.value}"` : token.value))
    .join(' ')
    .replace(/ ?([(),[\]]) ?/g, '$1');
  if (enumName !== null) return { base: `"${enumName}"`, args: [], array, text };
  if (words.length === 0) return null;
  const written = words.join(' ');
  // "TIMESTAMP(3) WITH TIME ZONE": the precision sits between the words.
  const base = TYPE_ALIASES[written] ?? written;
  return { base, args, array, text };
}

const INTEGER_RANK: Record<string, number> = { SMALLINT: 1, INTEGER: 2, BIGINT: 3 };
const PRECISION_TYPES = new Set(['TIMESTAMP', 'TIMESTAMPTZ', 'TIME', 'TIMETZ', 'INTERVAL']);

/** Whether every value of `from` is a value of `to` that the previous release reads the same way. */
export function isWidening(from: NormalizedType, to: NormalizedType): boolean {
  if (from.array !== to.array) return false;
  if (from.base === to.base && from.args.join() === to.args.join()) return true;
  const fromRank = INTEGER_RANK[from.base];
  const toRank = INTEGER_RANK[to.base];
  if (fromRank !== undefined && toRank !== undefined) return toRank >= fromRank;
  if (from.base === 'VARCHAR') {
    if (to.base === 'TEXT') return true;
    if (to.base !== 'VARCHAR') return false;
    const [fromLength] = from.args;
    const [toLength] = to.args;
    return toLength === undefined || (fromLength !== undefined && toLength >= fromLength);
  }
  if (from.base === 'NUMERIC' && to.base === 'NUMERIC') {
    if (to.args.length === 0) return true;
    const [fromPrecision, fromScale = 0] = from.args;
    const [toPrecision = 0, toScale = 0] = to.args;
    if (fromPrecision === undefined) return false;
    return toScale >= fromScale && toPrecision - toScale >= fromPrecision - fromScale;
  }
  if (from.base === 'REAL' && to.base === 'DOUBLE PRECISION') return true;
  if (PRECISION_TYPES.has(from.base) && from.base === to.base) {
    // No precision means 6, the most there is.
    return (to.args[0] ?? 6) >= (from.args[0] ?? 6);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Rules

const DROPPED_OBJECTS: [string[], string][] = [
  [['TABLE'], 'DROP TABLE loses the table and its data; the previous release still reads and writes it'],
  [['MATERIALIZED', 'VIEW'], 'DROP MATERIALIZED VIEW: the previous release may still read it'],
  [['VIEW'], 'DROP VIEW: the previous release may still read it'],
  [['SEQUENCE'], 'DROP SEQUENCE: the previous release may still draw from it'],
  [['TYPE'], 'DROP TYPE: columns of the previous release may still use it'],
  [['DOMAIN'], 'DROP DOMAIN: columns of the previous release may still use it'],
  [['SCHEMA'], 'DROP SCHEMA loses everything in it'],
  [['DATABASE'], 'DROP DATABASE loses everything in it'],
];

const RENAMED_OBJECTS = new Set(['TABLE', 'VIEW', 'MATERIALIZED', 'SEQUENCE', 'TYPE']);

interface Finding {
  rule: string;
}

function tableColumns(schema: SchemaState, table: string): Map<string, Column> {
  let columns = schema.get(table);
  if (!columns) {
    columns = new Map();
    schema.set(table, columns);
  }
  return columns;
}

/** A column definition (`name type [constraints]`), as in CREATE TABLE or ADD COLUMN. */
function columnDefinition(tokens: Token[]): { name: string; column: Column } | null {
  const first = tokens[0];
  if (!isName(first)) return null;
  const name =
    (first as Token).kind === 'ident' ? (first as Token).value : (first as Token).value.toLowerCase();
  const rest = tokens.slice(1);
  const words = rest.filter((token) => token.kind === 'word').map((token) => token.value);
  const notNull =
    words.some((word, index) => word === 'NOT' && words[index + 1] === 'NULL') || words.includes('PRIMARY');
  return {
    name,
    column: {
      type: normalizeType(rest),
      notNull,
      hasDefault: words.includes('DEFAULT') || words.includes('GENERATED'),
    },
  };
}

const TABLE_CONSTRAINT_WORDS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'EXCLUDE', 'LIKE'];

function createTable(tokens: Token[], schema: SchemaState, createdHere: Set<string>): void {
  let i = 1;
  while (isWord(tokens[i], 'UNLOGGED', 'TEMP', 'TEMPORARY', 'TABLE', 'IF', 'NOT', 'EXISTS')) i += 1;
  const table = qualifiedName(tokens, i);
  if (!table || !isPunct(tokens[table.next], '(')) return;
  createdHere.add(table.name);
  const columns = new Map<string, Column>();
  schema.set(table.name, columns);
  let depth = 0;
  let end = table.next;
  for (; end < tokens.length; end += 1) {
    if (isPunct(tokens[end], '(')) depth += 1;
    if (isPunct(tokens[end], ')')) depth -= 1;
    if (depth === 0) break;
  }
  for (const item of splitTopLevel(tokens.slice(table.next + 1, end))) {
    if (isWord(item[0], ...TABLE_CONSTRAINT_WORDS)) continue;
    const definition = columnDefinition(item);
    if (definition) columns.set(definition.name, definition.column);
  }
}

/** Skips COLUMN and IF [NOT] EXISTS after ADD / DROP / ALTER / RENAME. */
function skipColumnWords(tokens: Token[], index: number): number {
  let i = index;
  while (isWord(tokens[i], 'COLUMN', 'IF', 'NOT', 'EXISTS')) i += 1;
  return i;
}

function nameAt(tokens: Token[], index: number): string | null {
  const token = tokens[index];
  if (!isName(token)) return null;
  return (token as Token).kind === 'ident' ? (token as Token).value : (token as Token).value.toLowerCase();
}

function alterTableAction(
  action: Token[],
  table: string,
  schema: SchemaState,
  createdHere: Set<string>,
): Finding[] {
  const columns = tableColumns(schema, table);
  if (isWord(action[0], 'DROP')) {
    if (isWord(action[1], 'CONSTRAINT')) return [];
    const column = nameAt(action, skipColumnWords(action, 1));
    if (column) columns.delete(column);
    return [
      { rule: `DROP COLUMN ${column ?? ''} loses its data; the previous release still reads it`.trim() },
    ];
  }
  if (isWord(action[0], 'ADD')) {
    if (isWord(action[1], 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'EXCLUDE')) return [];
    const definition = columnDefinition(action.slice(skipColumnWords(action, 1)));
    if (!definition) return [];
    columns.set(definition.name, definition.column);
    if (definition.column.notNull && !definition.column.hasDefault && !createdHere.has(table)) {
      return [
        {
          rule: `ADD COLUMN ${definition.name} NOT NULL without a DEFAULT: the previous release's inserts leave it out and fail`,
        },
      ];
    }
    return [];
  }
  if (isWord(action[0], 'ALTER')) {
    const at = skipColumnWords(action, 1);
    const name = nameAt(action, at);
    if (!name) return [];
    const column = columns.get(name);
    const rest = action.slice(at + 1);
    if (isWord(rest[0], 'TYPE') || (isWord(rest[0], 'SET') && isWord(rest[1], 'DATA'))) {
      const to = normalizeType(rest.slice(isWord(rest[0], 'TYPE') ? 1 : 3));
      const from = column?.type ?? null;
      if (column && to) column.type = to;
      if (from && to && isWidening(from, to)) return [];
      return [
        {
          rule: `ALTER COLUMN ${name} TYPE ${to?.text ?? '?'} (from ${from?.text ?? 'an unknown type'}) is not clearly a widening`,
        },
      ];
    }
    if (isWord(rest[0], 'SET') && isWord(rest[1], 'NOT') && isWord(rest[2], 'NULL')) {
      const hadDefault = column?.hasDefault ?? false;
      if (column) column.notNull = true;
      if (hadDefault || createdHere.has(table)) return [];
      return [
        {
          rule: `SET NOT NULL on ${name}, which has no default: the previous release may write NULL there`,
        },
      ];
    }
    if (isWord(rest[0], 'DROP') && isWord(rest[1], 'NOT')) {
      if (column) column.notNull = false;
      return [];
    }
    if (isWord(rest[0], 'SET') && isWord(rest[1], 'DEFAULT')) {
      if (column) column.hasDefault = true;
      return [];
    }
    if (isWord(rest[0], 'DROP') && isWord(rest[1], 'DEFAULT')) {
      const nullable = column !== undefined && !column.notNull;
      if (column) column.hasDefault = false;
      if (nullable || createdHere.has(table)) return [];
      return [
        {
          rule: `DROP DEFAULT on ${name}, not known to be nullable: the previous release's inserts may rely on it`,
        },
      ];
    }
  }
  return [];
}

function alterStatement(tokens: Token[], schema: SchemaState, createdHere: Set<string>): Finding[] {
  const object = tokens[1];
  if (!isWord(object, ...RENAMED_OBJECTS, 'INDEX')) return [];
  let i = 2;
  if (isWord(object, 'MATERIALIZED')) i += 1;
  while (isWord(tokens[i], 'IF', 'EXISTS', 'ONLY')) i += 1;
  const target = qualifiedName(tokens, i);
  if (!target) return [];
  const after = target.next;
  if (isWord(tokens[after], 'RENAME')) {
    if (isWord(object, 'INDEX') || isWord(tokens[after + 1], 'CONSTRAINT')) return [];
    if (isWord(object, 'TABLE') && !isWord(tokens[after + 1], 'TO')) {
      const at = skipColumnWords(tokens, after + 1);
      const from = nameAt(tokens, at);
      const to = isWord(tokens[at + 1], 'TO') ? nameAt(tokens, at + 2) : null;
      const columns = tableColumns(schema, target.name);
      const column = from ? columns.get(from) : undefined;
      if (from) columns.delete(from);
      if (column && to) columns.set(to, column);
      return [{ rule: `RENAME COLUMN ${from ?? ''}: the previous release still uses the old name` }];
    }
    if (isWord(object, 'TYPE') && isWord(tokens[after + 1], 'VALUE')) {
      return [{ rule: 'RENAME VALUE of an enum: the previous release still writes the old value' }];
    }
    if (isWord(object, 'TABLE')) {
      const to = nameAt(tokens, after + 2);
      const columns = schema.get(target.name);
      schema.delete(target.name);
      if (columns && to) schema.set(to, columns);
    }
    return [
      { rule: `RENAME of ${object?.value} ${target.name}: the previous release still uses the old name` },
    ];
  }
  if (!isWord(object, 'TABLE')) return [];
  return splitTopLevel(tokens.slice(after)).flatMap((action) =>
    alterTableAction(action, target.name, schema, createdHere),
  );
}

function dropStatement(tokens: Token[], schema: SchemaState): Finding[] {
  for (const [words, rule] of DROPPED_OBJECTS) {
    if (!words.every((word, index) => isWord(tokens[1 + index], word))) continue;
    if (words[0] === 'TABLE') {
      let i = 2;
      while (isWord(tokens[i], 'IF', 'EXISTS')) i += 1;
      const table = qualifiedName(tokens, i);
      if (table) schema.delete(table.name);
    }
    return [{ rule }];
  }
  return [];
}

function statementFindings(statement: Statement, schema: SchemaState, createdHere: Set<string>): Finding[] {
  const { tokens } = statement;
  const head = tokens[0];
  if (isWord(head, 'CREATE')) {
    if (tokens.slice(1, 4).some((token) => isWord(token, 'TABLE'))) createTable(tokens, schema, createdHere);
    return [];
  }
  if (isWord(head, 'ALTER')) return alterStatement(tokens, schema, createdHere);
  if (isWord(head, 'DROP')) return dropStatement(tokens, schema);
  if (isWord(head, 'TRUNCATE')) return [{ rule: 'TRUNCATE deletes every row' }];
  if (isWord(head, 'DELETE')) return [{ rule: 'DELETE removes rows the previous release may still need' }];
  return [];
}

function findDestructive(
  sql: string,
  schema: SchemaState,
  createdHere: Set<string>,
  lineOffset = 0,
): DestructiveStatement[] {
  const found: DestructiveStatement[] = [];
  for (const statement of statements(sql, lineOffset)) {
    // A DO block runs its body now, unlike a function definition: its statements count.
    if (isWord(statement.tokens[0], 'DO')) {
      const body = statement.tokens.find((token) => token.kind === 'dollar');
      if (body) found.push(...findDestructive(body.value, schema, createdHere, lineOf(sql, body.start) - 1));
      continue;
    }
    for (const finding of statementFindings(statement, schema, createdHere)) {
      found.push({ rule: finding.rule, statement: statement.text, line: statement.line });
    }
  }
  return found;
}

/** The contract marker of a migration's first line: the expand step it names, '' when malformed, null when absent. */
export function contractOf(sql: string): string | null {
  const firstLine = sql.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const marker = MARKER.exec(firstLine.trim());
  if (!marker) return null;
  return MARKER_REFERENCE.exec(marker[1] ?? '')?.[1] ?? '';
}

/** Checks one migration against the schema the earlier ones left; updates `schema` with what it does. */
export function checkMigration(name: string, sql: string, schema: SchemaState = new Map()): MigrationVerdict {
  const destructive = findDestructive(sql, schema, new Set());
  const marker = contractOf(sql);
  const violations: string[] = [];
  if (marker === '') {
    violations.push(
      `${name}: the contract marker must read "${contractMarker('<release or migration>')}" on the first line`,
    );
  } else if (marker === null) {
    for (const found of destructive) {
      violations.push(`${name}/migration.sql:${found.line}: ${found.rule}\n    ${found.statement}`);
    }
  }
  return { name, contractOf: marker || null, destructive, violations };
}

/** Checks migrations in order (oldest first), each against the schema the ones before it built. */
export function checkMigrations(migrations: { name: string; sql: string }[]): MigrationVerdict[] {
  const schema: SchemaState = new Map();
  return migrations.map((migration) => checkMigration(migration.name, migration.sql, schema));
}
