-- The vendor set-up of the settings page: a Vapi connection's private API key (sealed), one record per
-- vendor resource the app changed (before and after values, sealed), and undos owed after an uninstall.
CREATE TABLE "VendorApiKey" (
  "connectionId" TEXT NOT NULL,
  "portalId" TEXT NOT NULL,
  "apiKeyEnc" TEXT NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "VendorApiKey_pkey" PRIMARY KEY ("connectionId"),
  CONSTRAINT "VendorApiKey_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "VendorChange" (
  "id" TEXT NOT NULL,
  "portalId" TEXT NOT NULL,
  "connectionId" TEXT NOT NULL,
  "targetId" TEXT NOT NULL,
  "targetName" TEXT NOT NULL,
  "resource" TEXT NOT NULL,
  "resourceId" TEXT NOT NULL,
  "recordEnc" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'applied',
  "appliedBy" TEXT,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "undoneAt" TIMESTAMP(3),
  CONSTRAINT "VendorChange_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "VendorChange_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "VendorChange_connectionId_targetId_status_idx" ON "VendorChange"("connectionId", "targetId", "status");
CREATE INDEX "VendorChange_portalId_idx" ON "VendorChange"("portalId");

CREATE TABLE "VendorUndoTask" (
  "id" TEXT NOT NULL,
  "vendor" TEXT NOT NULL,
  "resource" TEXT NOT NULL,
  "resourceId" TEXT NOT NULL,
  "apiKeyEnc" TEXT NOT NULL,
  "recordEnc" TEXT NOT NULL,
  "changedAt" TIMESTAMP(3) NOT NULL,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "lastError" TEXT,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "VendorUndoTask_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "VendorUndoTask_nextAttemptAt_idx" ON "VendorUndoTask"("nextAttemptAt");
