// The session's life in the shim (www/shim/session.js) in jsdom, with a fake recorder and a fake
// BroadcastChannel: a new session and the one a tab keeps, resuming on the next page, reconnecting with
// backoff, waiting while another tab has the session, leaving the page, the back/forward cache, routes,
// hand-over to a new tab and the end. (The asset uploader is started by the call module: call/main.test.js.)

const RELAY = "https://relay.test";
const SECRET = "0123456789abcdef".repeat(4);

let recorder; // the fake recorder: its start() calls wait in `calls` for the test to settle
let calls;
let session, events, widget; // the modules, fresh for each test
let bus; // the fake BroadcastChannels of this test
let heard; // what the other tabs (the test) heard
let sockets; // the fake WebSockets the shim opened

class FakeSocket {
  constructor(url) {
    this.url = url;
    this.closed = false;
    sockets.push(this);
  }
  close() {
    this.closed = true;
  }
}

class FakeChannel {
  constructor(name) {
    this.name = name;
    this.onmessage = null;
    bus.push(this);
  }
  postMessage(data) {
    for (const other of bus) {
      if (other !== this && !other.closed) queueMicrotask(() => other.onmessage && other.onmessage({ data }));
    }
  }
  close() {
    this.closed = true;
  }
}

function fakeRecorder() {
  const mine = (calls = []); // a page of an earlier test, still listening, keeps to its own
  return {
    start: vi.fn(
      (url, emit, hooks, resume, socket) =>
        new Promise((resolve, reject) => mine.push({ url, emit, resume, socket, resolve, reject })),
    ),
    stop: vi.fn(),
    suspend: vi.fn(),
    changed: vi.fn(),
    node_info: vi.fn(() => 9),
    send_asset: vi.fn(() => true),
  };
}

/** Loads the shim's session as a page does, with `kept` in the tab's sessionStorage if given. */
async function loadPage(kept) {
  vi.resetModules();
  if (kept) sessionStorage.setItem("cobrowse.session", JSON.stringify(kept));
  recorder = fakeRecorder();
  const fake = recorder;
  vi.doMock("../loader.js", () => ({
    load: vi.fn(() => Promise.resolve(fake)),
    version: "", // unbuilt
    get loaded() {
      return fake;
    },
  }));
  widget = await import("../widget.js");
  events = await import("../events.js");
  session = await import("../session.js");
  widget.setupWidget(RELAY, session.stop);
  const other = new FakeChannel("cobrowse"); // another tab of the site
  other.onmessage = ({ data }) => heard.push(data);
  session.setupSession(RELAY, "demo");
  await settle();
  return other;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const listen = (name) => {
  const got = [];
  events.on(name, (detail) => got.push(detail));
  return got;
};
const kept = () => JSON.parse(sessionStorage.getItem("cobrowse.session"));
const key = () => document.getElementById("cobrowse-key").textContent;
const message = () => document.querySelector("#cobrowse-widget .cobrowse-message").textContent;

beforeEach(() => {
  bus = [];
  heard = [];
  sockets = [];
  sessionStorage.clear();
  document.body.innerHTML = "";
  document.head.innerHTML = "";
  vi.stubGlobal("BroadcastChannel", FakeChannel);
  vi.stubGlobal("WebSocket", FakeSocket);
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.doUnmock("../loader.js");
});

describe("a frame of the page", () => {
  it("never continues the tab's session by itself: the top page records the frame", async () => {
    vi.stubGlobal("top", {}); // this window is not the top one
    await loadPage({ key: "123456", secret: SECRET });
    expect(calls).toHaveLength(0);
    expect(heard).toEqual([]);
    expect(document.getElementById("cobrowse-widget")).toBe(null);
  });
});

describe("a new session", () => {
  it("connects with the site and the tab id, keeps the key and secret for the tab, and resolves to the key", async () => {
    await loadPage();
    expect(heard).toEqual([{ type: "ask" }]); // a tab without a session asks the others
    const started = listen("started");
    const promise = session.start();
    await settle();
    expect(calls).toHaveLength(1);
    const tab = sessionStorage.getItem("cobrowse.tab");
    expect(tab).toMatch(/^[0-9a-f]{32}$/);
    expect(calls[0].url).toBe("wss://relay.test/ws/visitor?site=demo&tab=" + tab);
    expect(calls[0].resume).toBe(null);
    calls[0].resolve({ key: "123456", secret: SECRET, agents: 0 });
    expect(await promise).toBe("123456");
    expect(kept()).toEqual({ key: "123456", secret: SECRET });
    expect(started).toEqual([{ key: "123456" }]);
    expect(key()).toBe("123456");
    expect(await session.start()).toBe("123456"); // a running session is not started again
    expect(recorder.start).toHaveBeenCalledTimes(1);
  });

  it("reports a failure to start as an error, and keeps nothing", async () => {
    await loadPage();
    const errors = listen("error");
    const promise = session.start();
    await settle();
    calls[0].reject(Object.assign(new Error("The site is not allowed."), { code: 4003 }));
    await expect(promise).rejects.toThrow("not allowed");
    expect(errors).toEqual([{ message: "The site is not allowed." }]);
    expect(sessionStorage.getItem("cobrowse.session")).toBeNull();
  });
});

describe("the session a tab keeps", () => {
  it("resumes at once on the next page, showing the kept key meanwhile; start() resolves to it", async () => {
    await loadPage({ key: "654321", secret: SECRET });
    expect(key()).toBe("654321");
    expect(heard).toEqual([]); // it has a session: nothing to ask
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toMatch(/&resume=1$/);
    expect(calls[0].url).not.toContain(SECRET);
    expect(calls[0].resume).toEqual({ key: "654321", secret: SECRET });
    expect(await session.start()).toBe("654321");
    const resumed = listen("resumed");
    calls[0].resolve({ key: "654321", secret: "", agents: 2 });
    await settle();
    expect(resumed).toEqual([{ key: "654321" }]);
    expect(kept().secret).toBe(SECRET); // a resumed session keeps its secret
    expect(document.getElementById("cobrowse-agents").textContent).toBe("2 agents are watching.");
    expect(recorder.start).toHaveBeenCalledTimes(1);
  });

  it("opens its socket while the recorder loads and hands it over; a new session opens none", async () => {
    await loadPage({ key: "654321", secret: SECRET });
    expect(sockets).toHaveLength(1);
    expect(sockets[0].url).toBe(calls[0].url); // the recorder's URL, without the secret
    expect(sockets[0].binaryType).toBe("arraybuffer");
    expect(calls[0].socket).toBe(sockets[0]);
    calls[0].resolve({ key: "654321", secret: "", agents: 0 });
    await settle();
    expect(sockets[0].closed).toBe(false); // the recorder's now
    session.stop();
    await loadPage();
    session.start();
    await settle();
    expect(sockets).toHaveLength(1);
    expect(calls[0].socket).toBe(undefined);
  });

  it("closes the socket it opened when the resume fails", async () => {
    await loadPage({ key: "654321", secret: SECRET });
    calls[0].reject(Object.assign(new Error("This session has ended."), { code: 4005 }));
    await settle();
    expect(sockets[0].closed).toBe(true);
  });

  it("is forgotten, here and in the other tabs, when the relay refuses to resume it", async () => {
    await loadPage({ key: "654321", secret: SECRET });
    const ended = listen("ended");
    calls[0].reject(Object.assign(new Error("This session has ended."), { code: 4005 }));
    await settle();
    expect(sessionStorage.getItem("cobrowse.session")).toBeNull();
    expect(ended).toEqual([{ reason: "This session has ended.", code: 4005 }]);
    expect(heard).toEqual([{ type: "forget", key: "654321" }]);
    const promise = session.start(); // a new one may start
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1].resume).toBe(null);
    calls[1].resolve({ key: "111111", secret: SECRET, agents: 0 });
    expect(await promise).toBe("111111");
  });
});

/** A page whose kept session is live. */
async function livePage() {
  const other = await loadPage({ key: "654321", secret: SECRET });
  calls[0].resolve({ key: "654321", secret: "", agents: 0 });
  await settle();
  return other;
}

describe("a live session", () => {
  it("reconnects after a dropped connection, with backoff, until resumed", async () => {
    await livePage();
    vi.useFakeTimers();
    const reconnecting = listen("reconnecting");
    const resumed = listen("resumed");
    calls[0].emit("ended", { reason: "The connection to the cobrowse service was lost.", code: 1006 });
    expect(reconnecting).toEqual([{ key: "654321" }]);
    expect(message()).toBe("Reconnecting\u2026");
    expect(key()).toBe("654321");
    await vi.advanceTimersByTimeAsync(250); // the first retry comes within 250 ms
    expect(calls).toHaveLength(2);
    expect(calls[1].resume).toEqual({ key: "654321", secret: SECRET });
    calls[1].reject(Object.assign(new Error("unreachable"), { code: 1006 }));
    await vi.advanceTimersByTimeAsync(500); // then within 500 ms
    expect(calls).toHaveLength(3);
    expect(reconnecting).toHaveLength(1); // told once
    calls[2].resolve({ key: "654321", secret: "", agents: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(resumed).toEqual([{ key: "654321" }]);
    expect(kept()).toEqual({ key: "654321", secret: SECRET });
  });

  it("waits while another tab has it (4012), and takes it back when the tab is looked at", async () => {
    await livePage();
    calls[0].emit("ended", { reason: "The session continues in another tab.", code: 4012 });
    expect(message()).toBe("Your session continues in another tab.");
    await settle();
    expect(calls).toHaveLength(1); // no retry until looked at
    document.dispatchEvent(new Event("visibilitychange"));
    window.dispatchEvent(new Event("focus")); // both come together: one resume
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1].resume).toEqual({ key: "654321", secret: SECRET });
  });

  it("is suspended at pagehide (navigating) and resumed at pageshow from the back/forward cache", async () => {
    await livePage();
    const navigating = listen("navigating");
    const suspended = recorder.suspend.mock.calls.length;
    window.dispatchEvent(new Event("pagehide"));
    expect(recorder.suspend).toHaveBeenCalledTimes(suspended + 1);
    expect(navigating).toEqual([{ key: "654321" }]);
    expect(kept()).toEqual({ key: "654321", secret: SECRET }); // for the next page
    window.dispatchEvent(Object.assign(new Event("pageshow"), { persisted: false }));
    await settle();
    expect(calls).toHaveLength(1);
    window.dispatchEvent(Object.assign(new Event("pageshow"), { persisted: true }));
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1].resume).toEqual({ key: "654321", secret: SECRET });
  });

  it("tells the page of route changes of a single-page app", async () => {
    await livePage();
    const navigating = listen("navigating");
    const suspended = recorder.suspend.mock.calls.length;
    history.pushState({}, "", "/next");
    history.replaceState({}, "", "/again");
    window.dispatchEvent(new Event("popstate"));
    window.dispatchEvent(new Event("hashchange"));
    expect(navigating).toHaveLength(4);
    expect(recorder.suspend).toHaveBeenCalledTimes(suspended); // the session goes on
  });

  it("ends with stop(): the relay is told, the tab and the other tabs forget it", async () => {
    await livePage();
    const ended = listen("ended");
    session.stop();
    expect(recorder.stop).toHaveBeenCalled();
    expect(ended).toEqual([{ reason: "You ended the session.", code: 1000 }]);
    expect(sessionStorage.getItem("cobrowse.session")).toBeNull();
    await settle();
    expect(heard).toContainEqual({ type: "forget", key: "654321" });
  });

  it("ends when the relay ends it", async () => {
    await livePage();
    const ended = listen("ended");
    calls[0].emit("ended", { reason: "The session ended.", code: 4010 });
    expect(ended).toEqual([{ reason: "The session ended.", code: 4010 }]);
    expect(sessionStorage.getItem("cobrowse.session")).toBeNull();
  });
});

describe("tabs", () => {
  it("a tab that holds the session answers a new tab, and forgets it when another tab ends it", async () => {
    const other = await livePage();
    other.postMessage({ type: "ask" });
    await settle();
    expect(heard).toEqual([{ type: "session", key: "654321", secret: SECRET }]);
    const ended = listen("ended");
    other.postMessage({ type: "forget", key: "654321" });
    await settle();
    expect(recorder.stop).toHaveBeenCalled(); // the live tab tells the relay
    expect(ended).toEqual([{ reason: "The session ended in another tab.", code: 1000 }]);
    expect(sessionStorage.getItem("cobrowse.session")).toBeNull();
  });

  it("a new tab handed the session keeps it and takes it over when visible", async () => {
    const other = await loadPage();
    other.postMessage({ type: "session", key: "654321", secret: SECRET });
    await settle();
    expect(kept()).toEqual({ key: "654321", secret: SECRET });
    expect(key()).toBe("654321");
    expect(calls).toHaveLength(1);
    expect(calls[0].resume).toEqual({ key: "654321", secret: SECRET });
  });

  it("a hidden new tab handed the session waits until it is looked at", async () => {
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    const other = await loadPage();
    other.postMessage({ type: "session", key: "654321", secret: SECRET });
    await settle();
    expect(calls).toHaveLength(0);
    expect(message()).toBe("Your session continues in another tab.");
    Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
    await settle();
    expect(calls).toHaveLength(1);
  });
});

