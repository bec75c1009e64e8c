import { describe, expect, it } from "vitest";
import { meetingBody } from "../../server/booking/meetings.js";
import { installFailedPage } from "../../server/http/routes/oauth.js";

// Text that someone else chose (an admin's service and staff names, HubSpot's error messages) is
// escaped wherever it becomes HTML.

const SCRIPT = `<img src=x onerror="alert(1)">`;

describe("HTML built from text we did not write", () => {
  it("the Meeting body escapes service and staff names", () => {
    const body = meetingBody({ serviceType: { name: `Consult ${SCRIPT}`, durationMinutes: 30 }, staff: { name: `Dr <b>Ray</b>` } });
    expect(body).not.toContain("<img");
    expect(body).not.toContain("<b>");
    expect(body).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(body).toContain("30 minutes");
  });

  it("the install-failed page escapes the reason (it quotes HubSpot's error message)", () => {
    const html = installFailedPage(`HubSpot refused the authorisation (${SCRIPT}).`);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
    expect(html).toContain('<a href="/oauth/install">');
  });
});
