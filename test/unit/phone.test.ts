import { describe, expect, it } from "vitest";
import { normaliseEmail, normalisePhone } from "../../server/contacts/phone.js";

describe("normalisePhone", () => {
  it("reads every formatting of one US number as the same caller", () => {
    const forms = ["(415) 555-0134", "+1 415-555-0134", "4155550134", "415.555.0134", "+14155550134", "1-415-555-0134"];
    const keys = new Set(forms.map((f) => normalisePhone(f, "US")?.e164));
    expect([...keys]).toEqual(["+14155550134"]);
    expect(normalisePhone("(415) 555-0134", "US")?.national).toBe("4155550134");
  });

  it("drops extensions", () => {
    expect(normalisePhone("415-555-0134 ext. 12", "US")?.e164).toBe("+14155550134");
    expect(normalisePhone("+1 415 555 0134 x7", "US")?.e164).toBe("+14155550134");
  });

  it("reads national numbers in the portal's region", () => {
    expect(normalisePhone("020 7946 0958", "GB")?.e164).toBe("+442079460958");
    expect(normalisePhone("55 1234 5678", "MX")?.e164).toBe("+525512345678");
  });

  it("gives null for what is not a phone number", () => {
    expect(normalisePhone("", "US")).toBeNull();
    expect(normalisePhone("anonymous", "US")).toBeNull();
    expect(normalisePhone("12", "US")).toBeNull();
    expect(normalisePhone(null, "US")).toBeNull();
  });
});

describe("normaliseEmail", () => {
  it("lower-cases and trims, and refuses what is not an address", () => {
    expect(normaliseEmail("  Maria.Lopez@Example.COM ")).toBe("maria.lopez@example.com");
    expect(normaliseEmail("not an email")).toBeNull();
    expect(normaliseEmail(undefined)).toBeNull();
  });
});
