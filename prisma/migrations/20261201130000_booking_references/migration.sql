-- Written by hand (the wasm schema engine cannot run migrate dev against a database with btree_gist).
-- Semicolons only end statements here: the engine splits the script on every one of them.

-- Booking references: said to the caller, matched exactly, unique per portal (server/booking/reference.ts).
ALTER TABLE "Booking" ADD COLUMN "reference" TEXT;

-- Bookings made before this migration get a reference too, so none becomes unreachable. The function
-- draws 8 characters from the alphabet of reference.ts, and is volatile, so it runs once per row.
CREATE FUNCTION "draw_booking_reference"() RETURNS TEXT LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(substr('HKMQRWXY4679', 1 + floor(random() * 12)::int, 1), '') FROM generate_series(1, 8)
$$;

UPDATE "Booking" SET "reference" = "draw_booking_reference"() WHERE "status" <> 'held';

-- A reference drawn twice in one portal is drawn again, twice over (a clash after that, about never,
-- makes the unique index below fail loudly rather than leave two bookings one reference).
UPDATE "Booking" AS b SET "reference" = "draw_booking_reference"()
WHERE EXISTS (SELECT 1 FROM "Booking" AS o WHERE o."portalId" = b."portalId" AND o."reference" = b."reference" AND o."id" < b."id");

UPDATE "Booking" AS b SET "reference" = "draw_booking_reference"()
WHERE EXISTS (SELECT 1 FROM "Booking" AS o WHERE o."portalId" = b."portalId" AND o."reference" = b."reference" AND o."id" < b."id");

DROP FUNCTION "draw_booking_reference"();

-- CreateIndex
CREATE UNIQUE INDEX "Booking_portalId_reference_key" ON "Booking"("portalId", "reference");

-- CreateTable
CREATE TABLE "ReferenceLookup" (
    "connectionId" TEXT NOT NULL,
    "vendorCallId" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReferenceLookup_pkey" PRIMARY KEY ("connectionId","vendorCallId")
);
