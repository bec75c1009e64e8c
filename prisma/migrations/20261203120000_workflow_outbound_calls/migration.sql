-- The workflow action "Call this contact with the AI receptionist": what a connection needs to start an
-- outbound call through its vendor's API (the vendor API key sealed like every other secret), and one
-- row per HubSpot execution, keyed by its callbackId, so a retry of the same execution never dials twice.
CREATE TABLE "OutboundSettings" (
  "connectionId" TEXT NOT NULL,
  "portalId" TEXT NOT NULL,
  "apiKeyEnc" TEXT NOT NULL,
  "fromNumber" TEXT,
  "agentId" TEXT,
  "phoneNumberId" TEXT,
  "task" TEXT,
  "maxConcurrent" INTEGER NOT NULL DEFAULT 2,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "OutboundSettings_pkey" PRIMARY KEY ("connectionId"),
  CONSTRAINT "OutboundSettings_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "OutboundCall" (
  "id" TEXT NOT NULL,
  "callbackId" TEXT NOT NULL,
  "portalId" TEXT NOT NULL,
  "connectionId" TEXT NOT NULL,
  "contactId" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "vendorCallId" TEXT,
  "answer" JSONB,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "OutboundCall_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "OutboundCall_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "OutboundCall_callbackId_key" ON "OutboundCall"("callbackId");
CREATE UNIQUE INDEX "OutboundCall_connectionId_vendorCallId_key" ON "OutboundCall"("connectionId", "vendorCallId");
CREATE INDEX "OutboundCall_connectionId_status_createdAt_idx" ON "OutboundCall"("connectionId", "status", "createdAt");
