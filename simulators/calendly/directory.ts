import { randomUUID } from "node:crypto";
import { invalidParameter, notFound, permissionDenied } from "./errors.js";
import { calendlyTime, isTimeZone } from "./time.js";

// Calendly's users, their organizations and their event types. Everything is named by a URI under the
// simulator's own base URL, as Calendly names it under https://api.calendly.com, and a user sees only
// what belongs to them (403 otherwise; organization-wide lists are for owners and admins).

/** Weekly hours in the user's zone: weekday (0 = Sunday) -> [from, to) as "HH:MM" pairs. */
export type WorkingHours = Partial<Record<0 | 1 | 2 | 3 | 4 | 5 | 6, { from: string; to: string }[]>>;

export const DEFAULT_HOURS: WorkingHours = Object.fromEntries([1, 2, 3, 4, 5].map((d) => [d, [{ from: "09:00", to: "17:00" }]]));

export interface SimUser {
  uuid: string;
  uri: string;
  email: string;
  name: string;
  slug: string;
  timezone: string;
  role: "owner" | "admin" | "user";
  organization: string;
  hours: WorkingHours;
  createdAt: number;
}

export interface SimEventType {
  uuid: string;
  uri: string;
  owner: string;
  name: string;
  slug: string;
  /** Minutes. */
  duration: number;
  active: boolean;
  /** Location kinds a booking may ask for; empty means the event type has none set. */
  locationKinds: string[];
  createdAt: number;
}

export interface UserInput {
  name?: string;
  timezone?: string;
  role?: SimUser["role"];
  /** Join this user's organization instead of getting one of their own. */
  organizationOf?: string;
  hours?: WorkingHours;
}

export interface EventTypeInput {
  name?: string;
  slug?: string;
  duration?: number;
  active?: boolean;
  locationKinds?: string[];
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

export class Directory {
  private readonly users = new Map<string, SimUser>();
  private readonly eventTypes = new Map<string, SimEventType>();

  /** `apiUrl()` is the API's base URL; `webUrl()` stands for https://calendly.com (scheduling pages). */
  constructor(
    readonly apiUrl: () => string,
    readonly webUrl: () => string,
  ) {}

  /** The user with this e-mail, made on first mention with a "30 Minute Meeting", as Calendly gives every new account. */
  user(email: string, input: UserInput = {}): SimUser {
    const key = email.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      const uuid = randomUUID();
      const local = key.split("@")[0]!.replace(/[^a-z0-9]+/g, "-");
      const org = input.organizationOf ? this.user(input.organizationOf).organization : `${this.apiUrl()}/organizations/${randomUUID()}`;
      user = {
        uuid,
        uri: `${this.apiUrl()}/users/${uuid}`,
        email: key,
        name: input.name ?? local.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" "),
        slug: `${local}-${uuid.slice(0, 6)}`,
        timezone: "America/New_York",
        role: input.organizationOf ? "user" : "owner",
        organization: org,
        hours: DEFAULT_HOURS,
        createdAt: Date.now(),
      };
      this.users.set(key, user);
      this.addEventType(key, { name: "30 Minute Meeting", slug: "30min", duration: 30 });
    }
    if (input.name) user.name = input.name;
    if (input.role) user.role = input.role;
    if (input.timezone) {
      if (!isTimeZone(input.timezone)) throw new Error(`unknown time zone ${input.timezone}`);
      user.timezone = input.timezone;
    }
    if (input.hours) user.hours = checkHours(input.hours);
    return user;
  }

  byUri(uri: string): SimUser | undefined {
    return [...this.users.values()].find((u) => u.uri === uri);
  }

  addEventType(email: string, input: EventTypeInput = {}): SimEventType {
    const owner = this.user(email);
    const uuid = randomUUID();
    const name = input.name ?? `${input.duration ?? 30} Minute Meeting`;
    const duration = input.duration ?? 30;
    if (!Number.isInteger(duration) || duration <= 0) throw new Error(`addEventType: duration must be a positive whole number of minutes, not ${duration}`);
    const eventType: SimEventType = {
      uuid,
      uri: `${this.apiUrl()}/event_types/${uuid}`,
      owner: owner.uri,
      name,
      slug: input.slug ?? name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      duration,
      active: input.active ?? true,
      locationKinds: input.locationKinds ?? [],
      createdAt: Date.now(),
    };
    this.eventTypes.set(eventType.uri, eventType);
    return eventType;
  }

  updateEventType(uri: string, patch: Partial<Pick<SimEventType, "active" | "duration" | "name">>): SimEventType {
    const eventType = this.eventTypes.get(uri);
    if (!eventType) throw new Error(`updateEventType: no event type ${uri}`);
    Object.assign(eventType, patch);
    return eventType;
  }

  /** The event type a URI (or a bare uuid) names, or 404; another organization's is a 403. */
  eventType(viewer: SimUser, ref: string): SimEventType {
    const eventType = this.eventTypes.get(ref) ?? this.eventTypes.get(`${this.apiUrl()}/event_types/${ref}`);
    if (!eventType) throw notFound();
    if (this.byUri(eventType.owner)?.organization !== viewer.organization) throw permissionDenied();
    return eventType;
  }

  eventTypesOf(ownerUri: string): SimEventType[] {
    return [...this.eventTypes.values()].filter((e) => e.owner === ownerUri);
  }

  /**
   * Whose data a list asks for: `user=<uri>` (only oneself, or anyone in the organization for its
   * owners and admins) or `organization=<uri>` (owners and admins of that organization). Neither is a 400.
   */
  scopeOf(viewer: SimUser, query: Record<string, string | undefined>): { users: SimUser[] } {
    const admin = viewer.role === "owner" || viewer.role === "admin";
    if (query.user) {
      const user = this.byUri(query.user);
      if (!user) throw query.user.startsWith(`${this.apiUrl()}/users/`) ? notFound() : invalidParameter("user", "must be a valid URI");
      if (user.uri !== viewer.uri && !(admin && user.organization === viewer.organization)) throw permissionDenied();
      return { users: [user] };
    }
    if (query.organization) {
      if (query.organization !== viewer.organization || !admin) throw permissionDenied();
      return { users: [...this.users.values()].filter((u) => u.organization === viewer.organization) };
    }
    throw invalidParameter("organization", "one of organization or user is required");
  }

  userJson(user: SimUser) {
    return {
      uri: user.uri,
      name: user.name,
      slug: user.slug,
      email: user.email,
      scheduling_url: `${this.webUrl()}/${user.slug}`,
      timezone: user.timezone,
      time_notation: "12h",
      avatar_url: null,
      created_at: calendlyTime(user.createdAt),
      updated_at: calendlyTime(user.createdAt),
      current_organization: user.organization,
      resource_type: "User",
      locale: "en",
    };
  }

  eventTypeJson(eventType: SimEventType) {
    const owner = this.byUri(eventType.owner)!;
    return {
      uri: eventType.uri,
      name: eventType.name,
      active: eventType.active,
      booking_method: "instant",
      slug: eventType.slug,
      scheduling_url: `${this.webUrl()}/${owner.slug}/${eventType.slug}`,
      duration: eventType.duration,
      duration_options: null,
      kind: "solo",
      pooling_type: null,
      type: "StandardEventType",
      color: "#0069ff",
      created_at: calendlyTime(eventType.createdAt),
      updated_at: calendlyTime(eventType.createdAt),
      internal_note: null,
      description_plain: null,
      description_html: null,
      profile: { type: "User", name: owner.name, owner: owner.uri },
      secret: false,
      deleted_at: null,
      admin_managed: false,
      locations: eventType.locationKinds.length ? eventType.locationKinds.map((kind) => ({ kind })) : null,
      position: 0,
      custom_questions: [],
    };
  }
}

function checkHours(hours: WorkingHours): WorkingHours {
  for (const [day, ranges] of Object.entries(hours)) {
    for (const range of ranges ?? []) {
      if (!HHMM.test(range.from) || !HHMM.test(range.to) || range.from >= range.to) throw new Error(`working hours: bad range ${range.from}-${range.to} on day ${day}`);
    }
  }
  return hours;
}

/** "09:30" -> 570 */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
