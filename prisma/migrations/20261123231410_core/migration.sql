-- CreateTable
CREATE TABLE "Portal" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "accessTokenEnc" TEXT,
    "refreshTokenEnc" TEXT,
    "accessExpiresAt" TIMESTAMP(3),
    "scopes" TEXT[],
    "defaultRegion" TEXT NOT NULL DEFAULT 'US',
    "notifySlackUrl" TEXT,
    "notifyEmail" TEXT,
    "statusReason" TEXT,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Portal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OAuthState" (
    "state" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "OAuthState_pkey" PRIMARY KEY ("state")
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "label" TEXT,
    "secretEnc" TEXT NOT NULL,
    "webhookToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastDeliveryAt" TIMESTAMP(3),
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMP(3),

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CallEvent" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "bodySha256" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CallEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Call" (
    "id" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "vendorCallId" TEXT NOT NULL,
    "record" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "syncedVersion" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "callerKey" TEXT,
    "hubspotContactId" TEXT,
    "hubspotCallId" TEXT,
    "hubspotFollowUpId" TEXT,
    "startedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "syncedAt" TIMESTAMP(3),

    CONSTRAINT "Call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QuarantinedPayload" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QuarantinedPayload_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactIndex" (
    "portalId" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "keyValue" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ContactIndex_pkey" PRIMARY KEY ("portalId","keyType","keyValue")
);

-- CreateTable
CREATE TABLE "FieldMapping" (
    "portalId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "property" TEXT NOT NULL,
    "policy" TEXT NOT NULL DEFAULT 'overwrite',
    "kind" TEXT NOT NULL DEFAULT 'canonical',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FieldMapping_pkey" PRIMARY KEY ("portalId","field")
);

-- CreateTable
CREATE TABLE "ProvisionedProperty" (
    "portalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProvisionedProperty_pkey" PRIMARY KEY ("portalId","name")
);

-- CreateTable
CREATE TABLE "FallbackEntry" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "permanent" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "notifiedAt" TIMESTAMP(3),
    "replayCount" INTEGER NOT NULL DEFAULT 0,
    "lastReplayAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "FallbackEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Connection_webhookToken_key" ON "Connection"("webhookToken");

-- CreateIndex
CREATE INDEX "Connection_portalId_idx" ON "Connection"("portalId");

-- CreateIndex
CREATE UNIQUE INDEX "CallEvent_callId_bodySha256_key" ON "CallEvent"("callId", "bodySha256");

-- CreateIndex
CREATE INDEX "Call_status_updatedAt_idx" ON "Call"("status", "updatedAt");

-- CreateIndex
CREATE INDEX "Call_portalId_hubspotContactId_idx" ON "Call"("portalId", "hubspotContactId");

-- CreateIndex
CREATE UNIQUE INDEX "Call_connectionId_vendorCallId_key" ON "Call"("connectionId", "vendorCallId");

-- CreateIndex
CREATE INDEX "QuarantinedPayload_portalId_idx" ON "QuarantinedPayload"("portalId");

-- CreateIndex
CREATE INDEX "ContactIndex_portalId_contactId_idx" ON "ContactIndex"("portalId", "contactId");

-- CreateIndex
CREATE UNIQUE INDEX "FallbackEntry_callId_key" ON "FallbackEntry"("callId");

-- CreateIndex
CREATE INDEX "FallbackEntry_portalId_resolvedAt_idx" ON "FallbackEntry"("portalId", "resolvedAt");

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_portalId_fkey" FOREIGN KEY ("portalId") REFERENCES "Portal"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallEvent" ADD CONSTRAINT "CallEvent_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Call" ADD CONSTRAINT "Call_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FallbackEntry" ADD CONSTRAINT "FallbackEntry_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;
