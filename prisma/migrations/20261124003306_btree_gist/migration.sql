-- For the booking exclusion constraint in the next migration (equality on text in a GiST index).
-- Kept in a migration of its own: the wasm schema engine fails on it inside a longer script.
CREATE EXTENSION IF NOT EXISTS btree_gist;
