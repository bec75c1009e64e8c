import { Prisma } from "../db/client.js";

// One failure policy for every worker (Nango decides "retry or not" in one function; Twenty maps each
// provider's failures to one neutral code). Lower layers throw a ClassifiedError saying which kind
// they are, without knowing about queues; classifyFailure adds the database and our own bugs, and
// each worker turns the kind into what its rows show (docs/runbook.md, "Which failure goes where").

export type FailureKind = "retry" | "permanent" | "wait_for_auth";

export type JobFailure =
  /** Transient (5xx, 429, timeouts, network, the database): thrown back to the queue, which backs off. */
  | { kind: "retry"; reason: string; delayMs?: number }
  /** Retrying cannot fix it (HubSpot rejected our payload, a scope is missing): stored with the reason. */
  | { kind: "permanent"; reason: string }
  /** Only a person can fix it (the portal must re-authorise the app): the work waits and resumes then. */
  | { kind: "wait_for_auth"; reason: string }
  /** Our code is wrong: retrying the same code cannot help; logged as an error and stored like a permanent one. */
  | { kind: "bug"; reason: string };

/** An error that knows its kind of failure. `retryAfterMs`: the shortest wait before a retry (a 429 policy's). */
export class ClassifiedError extends Error {
  constructor(
    message: string,
    readonly failureKind: FailureKind,
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

const BUGS = [TypeError, ReferenceError, SyntaxError, RangeError, Prisma.PrismaClientValidationError];

export function classifyFailure(error: unknown): JobFailure {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof ClassifiedError) {
    switch (error.failureKind) {
      case "retry":
        return error.retryAfterMs > 0 ? { kind: "retry", reason, delayMs: error.retryAfterMs } : { kind: "retry", reason };
      case "permanent":
        return { kind: "permanent", reason };
      case "wait_for_auth":
        return { kind: "wait_for_auth", reason };
      default:
        return assertNever(error.failureKind);
    }
  }
  // fetch's network failures are TypeErrors too, with the socket's error as their cause.
  const networkFailure = error instanceof TypeError && error.cause !== undefined;
  if (!networkFailure && BUGS.some((type) => error instanceof type)) return { kind: "bug", reason };
  // The database (connection lost, pool exhausted, a deadlock), Redis, anything else: transient
  // until the attempts run out. A row that is not there is the worker's to decide before this.
  return { kind: "retry", reason };
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
