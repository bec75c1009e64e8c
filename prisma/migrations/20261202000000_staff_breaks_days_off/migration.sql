-- Breaks within working hours (per weekday, wall-clock times in the staff member's zone) and days off
-- (local dates), set from the settings page's Booking tab or the CLI set-up file.
ALTER TABLE "StaffMember" ADD COLUMN "breaks" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "StaffMember" ADD COLUMN "daysOff" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
