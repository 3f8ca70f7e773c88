// What lets a session outlive its page (www/shim/continuity.js, www/shim/reconnect.js): the session and tab
// id kept per tab, and the backoff of reconnections.

import { forgetSession, keepSession, keptSession, tabId } from "../continuity.js";
import { backoffDelay, isTransient } from "../reconnect.js";

beforeEach(() => sessionStorage.clear());

describe("the session kept per tab", () => {
  it("is kept, read back and forgotten", () => {
    expect(keptSession()).toBeNull();
    keepSession({ key: "123456", secret: "ab".repeat(32) });
    expect(JSON.parse(sessionStorage.getItem("cobrowse.session"))).toEqual({ key: "123456", secret: "ab".repeat(32) });
    expect(keptSession()).toEqual({ key: "123456", secret: "ab".repeat(32) });
    forgetSession();
    expect(keptSession()).toBeNull();
  });

  it("ignores what is not a session", () => {
    sessionStorage.setItem("cobrowse.session", "{not json");
    expect(keptSession()).toBeNull();
    sessionStorage.setItem("cobrowse.session", JSON.stringify({ key: "123456" }));
    expect(keptSession()).toBeNull();
  });

  it("has a tab id of 128 random bits, the same on every page of the tab", () => {
    const id = tabId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(tabId()).toBe(id);
    sessionStorage.clear();
    expect(tabId()).not.toBe(id);
  });
});

describe("reconnecting", () => {
  it("retries only closes that may pass", () => {
    for (const code of [1006, 1001, 4011, 4013, 1011]) expect(isTransient(code)).toBe(true);
    for (const code of [1000, 4010, 4005, 4004, 4008, 4003, 4001, 4002, 1007, 1009, 4012]) {
      expect(isTransient(code)).toBe(false);
    }
  });

  it("waits a random delay up to 250 ms × 2^attempt, at most 5 s (full jitter)", () => {
    const random = vi.spyOn(Math, "random");
    random.mockReturnValue(0.999999);
    expect(backoffDelay(0)).toBeCloseTo(250, 0);
    expect(backoffDelay(2)).toBeCloseTo(1000, 0);
    expect(backoffDelay(10)).toBeCloseTo(5000, 0);
    expect(backoffDelay(50)).toBeCloseTo(5000, 0);
    random.mockReturnValue(0);
    expect(backoffDelay(3)).toBe(0);
    random.mockRestore();
  });
});
