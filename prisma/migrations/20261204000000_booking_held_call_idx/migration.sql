-- A live call's holds, found by its connection and call id: every check_availability releases the
-- call's earlier holds, and every booking the rest of them (server/booking/holds.ts). Without it
-- that DELETE reads the whole (portalId, status, startAt) index, every portal's bookings.
-- Partial (holds only, a few rows each), so Prisma's schema does not declare it, like Booking_meeting_outbox_idx.
CREATE INDEX "Booking_held_call_idx" ON "Booking"("connectionId", "vendorCallId") WHERE "status" = 'held';
