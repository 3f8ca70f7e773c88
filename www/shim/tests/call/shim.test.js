// The shim's side of the support call (www/shim/session.js → call.js) in jsdom, with a fake recorder and a
// fake call.js: the recorder's `call` frames go to the call module, never to the widget or the page's
// listeners, and the call ends with the session's connection.

const RELAY = "https://relay.test";
const SECRET = "0123456789abcdef".repeat(4);

let calls; // the fake recorder's start() calls
let call; // the fake call.js
let session;
let events;

beforeEach(async () => {
  vi.resetModules();
  sessionStorage.clear();
  document.body.innerHTML = "";
  calls = [];
  const recorder = {
    start: vi.fn((url, emit) => new Promise((resolve) => calls.push({ emit, resolve }))),
    stop: vi.fn(),
    suspend: vi.fn(),
  };
  call = { callMessage: vi.fn(), endCall: vi.fn() };
  vi.doMock("../../loader.js", () => ({ load: () => Promise.resolve(recorder), loaded: recorder, version: "" }));
  vi.doMock("../../call.js", () => call);
  vi.stubGlobal("BroadcastChannel", undefined);
  events = await import("../../events.js");
  session = await import("../../session.js");
  (await import("../../widget.js")).setupWidget(RELAY, session.stop);
  session.setupSession(RELAY, "demo");
});

afterEach(() => {
  vi.doUnmock("../../loader.js");
  vi.doUnmock("../../call.js");
  vi.unstubAllGlobals();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the shim's side of the call", () => {
  it("hands the recorder's call frames to the call module, with the recorder, the page's events and the pristine MutationObserver", async () => {
    const heard = [];
    events.on("call", (detail) => heard.push(detail));
    session.start();
    await settle();
    calls[0].resolve({ key: "123456", secret: SECRET, agents: 1 });
    await settle();
    const frame = new Uint8Array([1, 3, 26, 1]).buffer;
    calls[0].emit("call", frame);
    const recorder = expect.objectContaining({ start: expect.any(Function) });
    const { hooks } = await import("../../hooks.js");
    const Observer = hooks.MutationObserver || MutationObserver;
    expect(call.callMessage).toHaveBeenCalledWith(frame, recorder, RELAY, events.emit, Observer);
    expect(heard).toEqual([]);
    expect(document.getElementById("cobrowse-key").textContent).toBe("123456");
  });

  it("ends the call with the session's connection", async () => {
    session.start();
    await settle();
    calls[0].resolve({ key: "123456", secret: SECRET, agents: 1 });
    await settle();
    calls[0].emit("ended", { reason: "The connection to the cobrowse service was lost.", code: 1006 });
    expect(call.endCall).toHaveBeenCalled();
    call.endCall.mockClear();
    session.stop();
    expect(call.endCall).toHaveBeenCalled();
  });
});
