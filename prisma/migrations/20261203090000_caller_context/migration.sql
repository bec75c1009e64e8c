-- Written by hand (the wasm schema engine cannot run migrate dev against a database with btree_gist).
-- Semicolons only end statements here: the engine splits the script on every one of them.

-- CreateTable
CREATE TABLE "CallerContextSettings" (
    "portalId" TEXT NOT NULL,
    "shareFirstName" BOOLEAN NOT NULL DEFAULT true,
    "shareUpcomingBooking" BOOLEAN NOT NULL DEFAULT true,
    "shareLastCall" BOOLEAN NOT NULL DEFAULT false,
    "shareOwnerName" BOOLEAN NOT NULL DEFAULT false,
    "vapiAssistants" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CallerContextSettings_pkey" PRIMARY KEY ("portalId")
);

-- CreateIndex: a caller's last calls are read by their key when a call starts (server/context/)
CREATE INDEX "Call_portalId_callerKey_idx" ON "Call"("portalId", "callerKey");
