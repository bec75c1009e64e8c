import { describe, expect, it } from "vitest";
import { matchService, parseDay, parseTimeWindow } from "../../server/booking/request.js";

// Wednesday 2027-03-10.
const TODAY = "2027-03-10";
const day = (raw: string) => parseDay(raw, TODAY);
const window = (raw: string) => parseTimeWindow(raw);

describe("the day the caller asked for", () => {
  it("today, tomorrow and the day after, in English and Spanish", () => {
    expect(day("today")).toEqual({ ok: true, date: "2027-03-10" });
    expect(day("hoy")).toEqual({ ok: true, date: "2027-03-10" });
    expect(day("Tomorrow")).toEqual({ ok: true, date: "2027-03-11" });
    expect(day("mañana")).toEqual({ ok: true, date: "2027-03-11" });
    expect(day("pasado mañana")).toEqual({ ok: true, date: "2027-03-12" });
    expect(parseDay(undefined, TODAY)).toEqual({ ok: true });
  });

  it("ISO dates, and a past one refused", () => {
    expect(day("2027-03-16")).toEqual({ ok: true, date: "2027-03-16" });
    expect(day("2027-03-16T15:00:00Z")).toEqual({ ok: true, date: "2027-03-16" });
    expect(day("2027-03-09")).toEqual({ ok: false, reason: "past" });
    expect(day("2020-01-01")).toEqual({ ok: false, reason: "past" });
  });

  it("a weekday is the coming one; 'next' skips today", () => {
    expect(day("Tuesday")).toEqual({ ok: true, date: "2027-03-16" });
    expect(day("next Tuesday")).toEqual({ ok: true, date: "2027-03-16" });
    expect(day("on Friday")).toEqual({ ok: true, date: "2027-03-12" });
    expect(day("Wednesday")).toEqual({ ok: true, date: "2027-03-10" });
    expect(day("next Wednesday")).toEqual({ ok: true, date: "2027-03-17" });
    expect(day("el martes")).toEqual({ ok: true, date: "2027-03-16" });
    expect(day("el miércoles que viene")).toEqual({ ok: true, date: "2027-03-17" });
    expect(day("el próximo sábado")).toEqual({ ok: true, date: "2027-03-13" });
  });

  it("a day of a month, this year's unless it has passed", () => {
    expect(day("3 de diciembre")).toEqual({ ok: true, date: "2027-12-03" });
    expect(day("el 3 de diciembre de 2028")).toEqual({ ok: true, date: "2028-12-03" });
    expect(day("December 3rd")).toEqual({ ok: true, date: "2027-12-03" });
    expect(day("the 3rd of December")).toEqual({ ok: true, date: "2027-12-03" });
    expect(day("March 10")).toEqual({ ok: true, date: "2027-03-10" });
    // 5 March has passed this year: next year's.
    expect(day("5 de marzo")).toEqual({ ok: true, date: "2028-03-05" });
    expect(day("March 5, 2027")).toEqual({ ok: false, reason: "past" });
    expect(day("30 de febrero")).toEqual({ ok: false, reason: "unreadable" });
  });

  it("anything else is asked again", () => {
    expect(day("someday")).toEqual({ ok: false, reason: "unreadable" });
    expect(day("next week")).toEqual({ ok: false, reason: "unreadable" });
    expect(day("2027-13-45")).toEqual({ ok: false, reason: "unreadable" });
  });
});

describe("the time of day", () => {
  it("parts of the day", () => {
    expect(window("morning")).toEqual({ ok: true, window: ["00:00", "12:00"] });
    expect(window("in the afternoon")).toEqual({ ok: true, window: ["12:00", "17:00"] });
    expect(window("por la tarde")).toEqual({ ok: true, window: ["12:00", "17:00"] });
    expect(window("noche")).toEqual({ ok: true, window: ["17:00", "24:00"] });
  });

  it("one time, 12 h or 24 h, asks for starts within that hour", () => {
    expect(window("3pm")).toEqual({ ok: true, window: ["15:00", "16:00"] });
    expect(window("15:00")).toEqual({ ok: true, window: ["15:00", "16:00"] });
    expect(window("3:30 p.m.")).toEqual({ ok: true, window: ["15:30", "16:30"] });
    expect(window("at 9 am")).toEqual({ ok: true, window: ["09:00", "10:00"] });
    expect(window("12am")).toEqual({ ok: true, window: ["00:00", "01:00"] });
    expect(window("12 pm")).toEqual({ ok: true, window: ["12:00", "13:00"] });
    expect(window("a las 3 de la tarde")).toEqual({ ok: true, window: ["15:00", "16:00"] });
    expect(window("23:30")).toEqual({ ok: true, window: ["23:30", "24:00"] });
  });

  it("ranges, with the meridiem said once", () => {
    expect(window("9-12")).toEqual({ ok: true, window: ["09:00", "12:00"] });
    expect(window("0900-1200")).toEqual({ ok: true, window: ["09:00", "12:00"] });
    expect(window("2-4pm")).toEqual({ ok: true, window: ["14:00", "16:00"] });
    expect(window("10am to 2pm")).toEqual({ ok: true, window: ["10:00", "14:00"] });
    expect(window("de 2 a 4 de la tarde")).toEqual({ ok: true, window: ["14:00", "16:00"] });
  });

  it("an ambiguous or impossible time is asked again", () => {
    expect(window("3")).toEqual({ ok: false });
    expect(window("13pm")).toEqual({ ok: false });
    expect(window("3:75pm")).toEqual({ ok: false });
    expect(window("4pm-2pm")).toEqual({ ok: false });
    expect(window("whenever")).toEqual({ ok: false });
  });
});

describe("the service", () => {
  const services = [
    { name: "Consultation", aliases: ["consulta"] },
    { name: "Full service", aliases: [] },
  ];
  it("by name or alias, ignoring case and accents, exactly first and then by containment", () => {
    expect(matchService(services, "CONSULTA")?.name).toBe("Consultation");
    expect(matchService(services, "a full service please")?.name).toBe("Full service");
    expect(matchService(services, "haircut")).toBeNull();
  });
});
