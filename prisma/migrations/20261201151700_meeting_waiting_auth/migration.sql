-- A booking's Meeting can wait for the portal's re-authorisation, as calls do (status waiting_auth):
-- the upkeep sweep leaves such a booking alone and the OAuth callback queues it again.
ALTER TABLE "Booking" ADD COLUMN "meetingWaitingAuth" BOOLEAN NOT NULL DEFAULT false;
