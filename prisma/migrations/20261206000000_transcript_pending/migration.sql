-- A transcript create at HubSpot whose id we never stored (the worker stopped in between) is found
-- again through its Call: the create is marked pending before it is sent.
ALTER TABLE "CallExtension" ADD COLUMN "transcriptPendingAt" TIMESTAMP(3);
