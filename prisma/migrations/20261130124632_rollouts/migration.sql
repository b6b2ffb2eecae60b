-- CreateEnum
CREATE TYPE "rollout_status" AS ENUM ('draft', 'running', 'paused', 'completed', 'rolled_back', 'aborted');

-- CreateEnum
CREATE TYPE "rollout_pause_reason" AS ENUM ('manual', 'inconclusive', 'awaiting_approval');

-- CreateTable
CREATE TABLE "rollouts" (
    "id" UUID NOT NULL,
    "flag_key" VARCHAR(128) NOT NULL,
    "target_variant" VARCHAR(128) NOT NULL,
    "plan" JSONB NOT NULL,
    "status" "rollout_status" NOT NULL DEFAULT 'draft',
    "pause_reason" "rollout_pause_reason",
    "stage_index" INTEGER NOT NULL DEFAULT 0,
    "stage_started_at" TIMESTAMPTZ(3),
    "extensions_used" INTEGER NOT NULL DEFAULT 0,
    "guardrail_state" JSONB NOT NULL DEFAULT '{}',
    "control_flag" JSONB,
    "require_approval" BOOLEAN NOT NULL DEFAULT false,
    "state_version" INTEGER NOT NULL DEFAULT 1,
    "created_by" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_decisions" (
    "id" UUID NOT NULL,
    "rollout_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "decision" VARCHAR(32) NOT NULL,
    "reason" VARCHAR(2000) NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "actor" VARCHAR(128) NOT NULL,
    "flag_version" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollout_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rollouts_status_idx" ON "rollouts"("status");

-- CreateIndex
CREATE INDEX "rollouts_flag_key_created_at_idx" ON "rollouts"("flag_key", "created_at");

-- CreateIndex
-- One rollout per flag that has not ended (partial: ended ones are history, as many as there were).
CREATE UNIQUE INDEX "rollouts_one_open_per_flag" ON "rollouts"("flag_key") WHERE (ended_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "rollout_decisions_rollout_id_seq_key" ON "rollout_decisions"("rollout_id", "seq");

-- AddForeignKey
-- incidents.rollout_id had no table to point at until now (see the incidents migration), so rows
-- written before this one may name rollouts that never existed. NOT VALID keeps them as they are
-- (nothing is deleted or nulled) while every row written or updated from now on is checked.
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;

-- AddForeignKey
ALTER TABLE "rollout_decisions" ADD CONSTRAINT "rollout_decisions_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
