// Runs once before the test files: the database is migrated by scripts/test.sh; here we only make sure
// TEST_DATABASE_URL is set for files that run under plain `npx vitest`.
export default function setup(): void {
  process.env.TEST_DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/aira_test";
  process.env.TEST_REDIS_URL ??= "redis://127.0.0.1:6379";
}
