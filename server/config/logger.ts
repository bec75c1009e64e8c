import pino from "pino";

// One root logger; modules take a named child (`logger("ingest")`). Redaction is a safety net: code
// must not log tokens, full phone numbers or transcripts in the first place (use maskPhone).
const root = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: {
    paths: ["*.accessToken", "*.refreshToken", "*.secret", "*.transcript", "*.authorization", "*.phone", "*.email"],
    censor: "[redacted]",
  },
});

export function logger(module: string) {
  return root.child({ module });
}

/** "+14155550134" -> "+1******0134": enough to tell calls apart in logs, not enough to dial. */
export function maskPhone(phone: string | null | undefined): string | undefined {
  if (!phone) return undefined;
  return phone.length <= 4 ? "****" : `${phone.slice(0, 2)}******${phone.slice(-4)}`;
}
