-- CreateEnum
CREATE TYPE "incident_severity" AS ENUM ('sev1', 'sev2', 'sev3', 'sev4');

-- CreateEnum
CREATE TYPE "incident_status" AS ENUM ('open', 'mitigated', 'resolved');

-- CreateEnum
CREATE TYPE "incident_entry_kind" AS ENUM ('note', 'status_change', 'field_change');

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "severity" "incident_severity" NOT NULL,
    "status" "incident_status" NOT NULL DEFAULT 'open',
    "symptoms" VARCHAR(10000) NOT NULL DEFAULT '',
    "cause_hypothesis" VARCHAR(10000) NOT NULL DEFAULT '',
    "next_steps" VARCHAR(10000) NOT NULL DEFAULT '',
    "rollout_id" UUID,
    "flag_versions" INTEGER[],
    "audit_entry_ids" UUID[],
    "opened_by" VARCHAR(128) NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "mitigated_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_notes" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "incident_id" UUID NOT NULL,
    "kind" "incident_entry_kind" NOT NULL,
    "author" VARCHAR(128) NOT NULL,
    "body" VARCHAR(4000) NOT NULL DEFAULT '',
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_notes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "incidents_opened_at_idx" ON "incidents"("opened_at");

-- CreateIndex
CREATE INDEX "incidents_status_opened_at_idx" ON "incidents"("status", "opened_at");

-- CreateIndex
CREATE INDEX "incidents_rollout_id_idx" ON "incidents"("rollout_id");

-- CreateIndex
CREATE UNIQUE INDEX "incident_notes_seq_key" ON "incident_notes"("seq");

-- CreateIndex
CREATE INDEX "incident_notes_incident_id_seq_idx" ON "incident_notes"("incident_id", "seq");

-- AddForeignKey
ALTER TABLE "incident_notes" ADD CONSTRAINT "incident_notes_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
