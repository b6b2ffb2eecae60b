import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkMigration, checkMigrations, contractMarker, contractOf } from './migration-policy.mts';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'prisma', 'migrations');

const USERS = `CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "display_name" VARCHAR(100),
    "login_count" INTEGER NOT NULL DEFAULT 0,
    "nickname" TEXT,
    "price" NUMERIC(10,2),
    "seen_at" TIMESTAMPTZ(3),
    "role" "role" NOT NULL DEFAULT 'viewer',
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);`;

/** The rules each destructive statement in `sql` broke, checked against a schema holding USERS. */
function rulesOf(sql: string): string[] {
  const [, verdict] = checkMigrations([
    { name: 'base', sql: USERS },
    { name: 'next', sql },
  ]);
  return verdict?.destructive.map((found) => found.rule) ?? [];
}

describe('the migration policy checker', () => {
  it('passes every migration in prisma/migrations (the policy holds for the repository)', () => {
    const migrations = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .map((name) => ({ name, sql: readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8') }));
    expect(migrations.length).toBeGreaterThan(0);
    const verdicts = checkMigrations(migrations);
    expect(verdicts.flatMap((verdict) => verdict.violations)).toEqual([]);
  });

  it('allows what only adds: tables, nullable columns, columns with defaults, indexes, enum values, constraints', () => {
    expect(
      rulesOf(`
        CREATE TABLE "things" ("id" UUID NOT NULL, "name" TEXT NOT NULL);
        ALTER TABLE "users" ADD COLUMN "bio" TEXT, ADD COLUMN "score" INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE "things" ADD COLUMN "owner" UUID NOT NULL;
        CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
        ALTER TYPE "role" ADD VALUE 'auditor';
        ALTER TABLE "things" ADD CONSTRAINT "things_pkey" PRIMARY KEY ("id");
        UPDATE "users" SET "nickname" = 'x' WHERE "nickname" IS NULL;`),
    ).toEqual([]);
  });

  it('allows dropping indexes, constraints, triggers and functions, and renaming indexes and constraints', () => {
    expect(
      rulesOf(`
        DROP INDEX "users_email_key";
        ALTER TABLE "users" DROP CONSTRAINT "users_role_check";
        DROP TRIGGER "t" ON "users";
        DROP FUNCTION f();
        ALTER INDEX "a" RENAME TO "b";
        ALTER TABLE "users" RENAME CONSTRAINT "a" TO "b";`),
    ).toEqual([]);
  });

  it.each([
    ['DROP TABLE "users";', /DROP TABLE/],
    ['DROP TABLE IF EXISTS public."users" CASCADE;', /DROP TABLE/],
    ['DROP VIEW "v";', /DROP VIEW/],
    ['DROP TYPE "role";', /DROP TYPE/],
    ['ALTER TABLE "users" DROP COLUMN "nickname";', /DROP COLUMN nickname/],
    ['ALTER TABLE "users" DROP "nickname";', /DROP COLUMN nickname/],
    ['ALTER TABLE "users" ADD COLUMN "x" TEXT, DROP COLUMN IF EXISTS "nickname";', /DROP COLUMN nickname/],
    ['ALTER TABLE "users" RENAME TO "accounts";', /RENAME of TABLE users/],
    ['ALTER TABLE "users" RENAME COLUMN "email" TO "mail";', /RENAME COLUMN email/],
    ['ALTER TABLE "users" RENAME "email" TO "mail";', /RENAME COLUMN email/],
    ["ALTER TYPE \"role\" RENAME VALUE 'viewer' TO 'reader';", /RENAME VALUE/],
    ['ALTER TYPE "role" RENAME TO "role_old";', /RENAME of TYPE role/],
    ['ALTER TABLE "users" ALTER COLUMN "display_name" SET DATA TYPE VARCHAR(50);', /not clearly a widening/],
    ['ALTER TABLE "users" ALTER COLUMN "login_count" TYPE SMALLINT;', /not clearly a widening/],
    ['ALTER TABLE "users" ALTER COLUMN "nickname" SET DATA TYPE VARCHAR(20);', /from TEXT/],
    ['ALTER TABLE "users" ALTER COLUMN "price" TYPE NUMERIC(10,3);', /not clearly a widening/],
    ['ALTER TABLE "users" ALTER COLUMN "email" TYPE CITEXT;', /not clearly a widening/],
    ['ALTER TABLE "ghost" ALTER COLUMN "x" TYPE TEXT;', /from an unknown type/],
    ['ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;', /SET NOT NULL on nickname/],
    ['ALTER TABLE "users" ALTER COLUMN "email" DROP DEFAULT;', /DROP DEFAULT on email/],
    ['ALTER TABLE "users" ADD COLUMN "tenant" UUID NOT NULL;', /NOT NULL without a DEFAULT/],
    ['TRUNCATE "users";', /TRUNCATE/],
    ['DELETE FROM "users" WHERE true;', /DELETE/],
    ['DO $$ BEGIN EXECUTE \'x\'; DROP TABLE "users"; END $$;', /DROP TABLE/],
  ])('refuses %s', (sql, rule) => {
    const rules = rulesOf(sql);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(rule);
  });

  it.each([
    [
      'VARCHAR(100) to VARCHAR(200)',
      'ALTER TABLE "users" ALTER COLUMN "display_name" SET DATA TYPE VARCHAR(200);',
    ],
    ['VARCHAR(100) to TEXT', 'ALTER TABLE "users" ALTER COLUMN "display_name" TYPE TEXT;'],
    ['INTEGER to BIGINT', 'ALTER TABLE "users" ALTER COLUMN "login_count" SET DATA TYPE BIGINT;'],
    ['NUMERIC(10,2) to NUMERIC(12,3)', 'ALTER TABLE "users" ALTER COLUMN "price" TYPE NUMERIC(12,3);'],
    [
      'TIMESTAMPTZ(3) to TIMESTAMP(6) WITH TIME ZONE',
      'ALTER TABLE "users" ALTER "seen_at" TYPE TIMESTAMP(6) WITH TIME ZONE;',
    ],
    ['the same type', 'ALTER TABLE "users" ALTER COLUMN "email" TYPE CHARACTER VARYING(254);'],
  ])('allows widening %s', (_, sql) => {
    expect(rulesOf(sql)).toEqual([]);
  });

  it('allows SET NOT NULL on a column with a default and DROP DEFAULT on a nullable one', () => {
    expect(
      rulesOf(`ALTER TABLE "users" ALTER COLUMN "nickname" SET DEFAULT '';
               ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;
               ALTER TABLE "users" ALTER COLUMN "display_name" SET DEFAULT 'x';
               ALTER TABLE "users" ALTER COLUMN "display_name" DROP DEFAULT;`),
    ).toEqual([]);
  });

  it('follows renames and drops into later migrations', () => {
    const [, , third] = checkMigrations([
      { name: 'a', sql: USERS },
      {
        name: 'b',
        sql: `${contractMarker('a')}\nALTER TABLE "users" RENAME COLUMN "display_name" TO "shown_name";`,
      },
      { name: 'c', sql: 'ALTER TABLE "users" ALTER COLUMN "shown_name" TYPE VARCHAR(300);' },
    ]);
    expect(third?.violations).toEqual([]);
  });

  it('reads no statement in comments, string literals, quoted names or function bodies', () => {
    expect(
      rulesOf(`-- DROP TABLE "users";
        /* DROP TABLE "users"; /* nested */ DROP TABLE "users"; */
        INSERT INTO "notes" ("text") VALUES ('DROP TABLE users; it''s gone'), (E'\\' DROP TABLE x');
        CREATE TABLE "drop table users" ("truncate" TEXT);
        CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN DELETE FROM "users"; END $body$ LANGUAGE plpgsql;`),
    ).toEqual([]);
  });

  it('names the line and the statement of each violation of an unmarked migration', () => {
    const verdict = checkMigration('20270101000000_drop', '-- DropTable\n\nDROP TABLE "users";\n');
    expect(verdict.violations).toEqual([
      expect.stringMatching(/^20270101000000_drop\/migration\.sql:3: DROP TABLE .*\n {4}DROP TABLE "users"$/),
    ]);
  });

  it('accepts destructive statements in a contract step marked on its first line', () => {
    const sql = `${contractMarker('0.4.0')}\nALTER TABLE "users" DROP COLUMN "nickname";\n`;
    const verdict = checkMigration('contract', sql);
    expect(verdict.contractOf).toBe('0.4.0');
    expect(verdict.destructive).toHaveLength(1);
    expect(verdict.violations).toEqual([]);
  });

  it('refuses a marker that is not on the first line or names no expand step', () => {
    const late = checkMigration('late', `-- note\n${contractMarker('0.4.0')}\nDROP TABLE "users";`);
    expect(late.violations).toHaveLength(1);
    const bare = checkMigration('bare', '-- rampart: contract\nDROP TABLE "users";');
    expect(bare.violations).toEqual([expect.stringContaining('the contract marker must read')]);
    expect(contractOf('-- rampart: contract (expand released in 20270101000000_add_mail)')).toBe(
      '20270101000000_add_mail',
    );
  });
});
