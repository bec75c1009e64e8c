-- A confirmed booking that an event in the staff member's own calendar overlaps, found by sync after
-- the booking was made (someone double-booked the calendar by hand). Shown on the settings page and
-- sent to ops once, resolved when the overlap is gone.
CREATE TABLE "BookingOverlap" (
  "bookingId" TEXT NOT NULL,
  "eventId" TEXT NOT NULL,
  "portalId" TEXT NOT NULL,
  "staffId" TEXT NOT NULL,
  "eventStartAt" TIMESTAMP(3) NOT NULL,
  "eventEndAt" TIMESTAMP(3) NOT NULL,
  "foundAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "notifiedAt" TIMESTAMP(3),
  "resolvedAt" TIMESTAMP(3),
  CONSTRAINT "BookingOverlap_pkey" PRIMARY KEY ("bookingId", "eventId"),
  CONSTRAINT "BookingOverlap_bookingId_fkey" FOREIGN KEY ("bookingId") REFERENCES "Booking"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "BookingOverlap_portalId_resolvedAt_idx" ON "BookingOverlap"("portalId", "resolvedAt");
