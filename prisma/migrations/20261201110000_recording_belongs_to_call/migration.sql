-- A recording copy belongs to its call: deleting the call deletes the copy, and no copy can be
-- stored for a call that is gone. Copies left by calls deleted before this constraint go first.
DELETE FROM "Recording" r WHERE NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."id" = r."callId");

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;
