-- Written by hand (the wasm schema engine cannot run migrate dev against a database with btree_gist).
-- Semicolons only end statements here: the engine splits the script on every one of them.

-- AlterTable: how a call was matched when several contacts share the caller's number, and a rep's move
ALTER TABLE "Call" ADD COLUMN "matchCandidates" INTEGER,
ADD COLUMN "matchRule" TEXT,
ADD COLUMN "needsReview" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "movedAt" TIMESTAMP(3),
ADD COLUMN "movedFromContactId" TEXT,
ADD COLUMN "movedByUserId" TEXT,
ADD COLUMN "assignedOwnerId" TEXT,
ADD COLUMN "leadState" TEXT,
ADD COLUMN "hubspotLeadId" TEXT;

-- CreateTable
CREATE TABLE "RoutingSettings" (
    "portalId" TEXT NOT NULL,
    "ambiguityRule" TEXT NOT NULL DEFAULT 'oldest',
    "ownerRule" TEXT NOT NULL DEFAULT 'none',
    "roundRobinOwnerIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "zipRoutes" JSONB NOT NULL DEFAULT '[]',
    "intentRoutes" JSONB NOT NULL DEFAULT '[]',
    "fallbackOwnerId" TEXT,
    "roundRobinTurn" BIGINT NOT NULL DEFAULT 0,
    "createLeads" BOOLEAN NOT NULL DEFAULT false,
    "leadsSkippedReason" TEXT,
    "leadsSkippedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoutingSettings_pkey" PRIMARY KEY ("portalId")
);

-- CreateIndex: the calls an admin is asked to review
CREATE INDEX "Call_portalId_needsReview_idx" ON "Call"("portalId", "needsReview") WHERE "needsReview";
