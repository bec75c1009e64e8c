-- CreateTable
CREATE TABLE "ContactSnapshot" (
    "portalId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "filled" TEXT[],
    "ownerId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ContactSnapshot_pkey" PRIMARY KEY ("portalId","contactId")
);
