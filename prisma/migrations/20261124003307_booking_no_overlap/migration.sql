-- No two held or confirmed bookings of one staff member may overlap, buffer included.
-- Prisma cannot declare exclusion constraints (prisma/orm#17514), and a clash raises SQLSTATE 23P01,
-- mapped in server/booking/store.ts. Times are stored as UTC timestamps, hence tsrange.
-- Note for editors: no semicolons in comments here, the wasm engine splits scripts on them.
ALTER TABLE "Booking" ADD CONSTRAINT "Booking_no_overlap"
  EXCLUDE USING gist ("staffId" WITH =, tsrange("startAt", "blockEndAt", '[)') WITH &&)
  WHERE (status IN ('held', 'confirmed'));
