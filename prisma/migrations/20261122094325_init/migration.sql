-- CreateTable
CREATE TABLE "heartbeats" (
    "component" VARCHAR(64) NOT NULL,
    "instance_id" VARCHAR(128) NOT NULL,
    "beat_at" TIMESTAMPTZ(3) NOT NULL,
    "beats_total" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "heartbeats_pkey" PRIMARY KEY ("component")
);
