-- CreateEnum
CREATE TYPE "flag_set_change_kind" AS ENUM ('change', 'rollback');

-- CreateEnum
CREATE TYPE "sdk_key_kind" AS ENUM ('server', 'client');

-- CreateTable
CREATE TABLE "flag_set_versions" (
    "version" INTEGER NOT NULL,
    "content" JSONB NOT NULL,
    "kind" "flag_set_change_kind" NOT NULL,
    "restored_from" INTEGER,
    "actor" VARCHAR(128) NOT NULL,
    "actor_id" UUID,
    "reason" VARCHAR(500) NOT NULL,
    "changes" JSONB NOT NULL,
    "changed_keys" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "flag_set_versions_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "flag_usage" (
    "flag_key" VARCHAR(128) NOT NULL,
    "last_evaluated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "flag_usage_pkey" PRIMARY KEY ("flag_key")
);

-- CreateTable
CREATE TABLE "sdk_keys" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "kind" "sdk_key_kind" NOT NULL,
    "key_hash" CHAR(64) NOT NULL,
    "prefix" VARCHAR(24) NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "sdk_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "flag_set_versions_changed_keys_idx" ON "flag_set_versions" USING GIN ("changed_keys");

-- CreateIndex
CREATE UNIQUE INDEX "sdk_keys_key_hash_key" ON "sdk_keys"("key_hash");
