// The call module's entry (www/shim/call/main.js) in jsdom: frames in, the page's prompts and widget, and the
// visitor's answers out through the recorder, encoded as the relay reads them.

let call;
let recorder;
let events;

const frame = (hex) => Uint8Array.from(("0203" + hex).match(/../g), (pair) => parseInt(pair, 16)).buffer;
const hexOf = (array) => Array.from(array, (byte) => byte.toString(16).padStart(2, "0")).join("");
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (id) => document.getElementById(id);

beforeEach(async () => {
  document.head.innerHTML = "";
  document.body.innerHTML = '<div id="cobrowse-widget"></div>';
  sessionStorage.clear();
  vi.resetModules();
  const { startCall } = await import("../../call/main.js");
  recorder = { send_call: vi.fn(() => true), node_info: vi.fn(() => -1) };
  events = [];
  const emit = (...event) => events.push(event);
  call = startCall(recorder, emit, "https://relay.test/visitor/cobrowse_call.js?v=abc");
  document.querySelector("link").dispatchEvent(new Event("load"));
});

afterEach(() => call.end());

describe("the call module", () => {
  it("links its stylesheet from the relay, versioned and left out of the mirror", () => {
    const link = document.querySelector("link");
    expect(link.href).toBe("https://relay.test/visitor/cobrowse-call.css?v=abc");
    expect(link.hasAttribute("data-cobrowse-ignore")).toBe(true);
  });

  it("asks for consent and sends the visitor's answer", async () => {
    call.receive(frame("0c0103416e61")); // ConsentAsked { agent: 1, name: "Ana" }
    await settle();
    expect($("cobrowse-consent").textContent).toMatch(/Ana asks to see your page/);
    $("cobrowse-allow").click();
    expect(hexOf(recorder.send_call.mock.calls[0][0])).toBe("0d0101"); // ConsentAnswer { agent: 1, allow: true }
    expect(events).toEqual([["consent", { agent: 1, name: "Ana", allow: true }]]);
  });

  it("shows who watches and who controls, and gives control back on the visitor's button", async () => {
    call.receive(frame("10020103416e610202426f")); // Agents: Ana (1), Bo (2)
    call.receive(frame("1602")); // ControlHolder { agent: 2 }
    await settle();
    expect($("cobrowse-watchers").textContent).toMatch(/Ana.*Bo/);
    expect($("cobrowse-control-text").textContent).toMatch(/^Bo controls your page/);
    expect(events).toEqual([["control", { agent: 2, name: "Bo" }]]);
    $("cobrowse-control-stop").click();
    expect(hexOf(recorder.send_call.mock.calls[0][0])).toBe("17"); // ControlRelease
    expect(events[1]).toEqual(["control", { agent: 0, name: null }]);
  });

  it("stops sharing with one agent: Dismiss goes to the relay and the page hears a declined consent", async () => {
    call.receive(frame("10020103416e610202426f")); // Agents: Ana (1), Bo (2)
    await settle();
    document.querySelector('button[data-cobrowse-dismiss="2"]').click();
    expect(hexOf(recorder.send_call.mock.calls[0][0])).toBe("1c02"); // Dismiss { agent: 2 }
    expect(events).toEqual([["consent", { agent: 2, name: "Bo", allow: false }]]);
    expect(document.querySelector('button[data-cobrowse-dismiss="2"]')).toBeNull();
    expect(document.querySelector('button[data-cobrowse-dismiss="1"]')).not.toBeNull();
  });

  it("shows an agent's pointer, and ignores frames that are not the call's", async () => {
    call.receive(frame("10010103416e61"));
    call.receive(frame("1101011405")); // Pointer { agent: 1, at: (10, -3) }
    call.receive(frame("04")); // EndSession: not the call's
    call.receive(new ArrayBuffer(1));
    await settle();
    expect($("cobrowse-agent-layer").querySelector(".cobrowse-pointer").textContent).toBe("Ana");
  });

  it("leaves nothing behind when the session ends", async () => {
    call.receive(frame("0c0103416e61"));
    call.receive(frame("10010103416e61"));
    await settle();
    call.end();
    expect($("cobrowse-consent")).toBeNull();
    expect($("cobrowse-agent-layer")).toBeNull();
    expect($("cobrowse-watchers")).toBeNull();
    expect(document.querySelector("link")).toBeNull();
  });
});
