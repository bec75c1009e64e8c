import pg from "pg";

/**
 * A real PostgreSQL error, raised once, by a trigger on `table` for the first row that matches
 * `condition` (plpgsql over NEW and OLD): a database that fails one statement, or a process that stops
 * between two writes. Returns the function that drops the trigger again.
 */
export async function failOnce(databaseUrl: string, fault: { name: string; table: string; events: "UPDATE" | "INSERT OR UPDATE"; condition: string; message: string }): Promise<() => Promise<void>> {
  const { name, table, events, condition, message } = fault;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE SEQUENCE ${name}_seq;
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (${condition}) AND nextval('${name}_seq') = 1 THEN RAISE EXCEPTION '${message.replace(/'/g, "''")}'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${name} BEFORE ${events} ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${name}();`);
  } finally {
    await client.end();
  }
  return async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`DROP TRIGGER IF EXISTS ${name} ON "${table}"; DROP FUNCTION IF EXISTS ${name}(); DROP SEQUENCE IF EXISTS ${name}_seq;`);
    } finally {
      await admin.end();
    }
  };
}
