// The call module's entry (www/shim/call/main.js) in jsdom: frames in, the page's prompts and widget, and the
// visitor's answers out through the recorder, encoded as the relay reads them.

let call;
let recorder;
let events;

const frame = (hex) => Uint8Array.from(("0303" + hex).match(/../g), (pair) => parseInt(pair, 16)).buffer;
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
  call = startCall(recorder, emit, MutationObserver, "https://relay.test/visitor/cobrowse_call.js?v=abc");
  document.querySelector("link").dispatchEvent(new Event("load"));
});

afterEach(() => call.end());

/** postcard's string: its UTF-8 length (one byte here), then the bytes, as hex. */
const stringHex = (text) => hexOf([text.length, ...new TextEncoder().encode(text)]);

describe("the asset uploads it runs", () => {
  let uploads;

  beforeEach(async () => {
    call.end();
    const { startCall } = await import("../../call/main.js");
    recorder = { send_call: vi.fn(() => true), node_info: vi.fn(() => 9), send_asset: vi.fn(() => true) };
    vi.stubGlobal(
      "fetch",
      vi.fn(() => {
        const blob = { type: "image/png", arrayBuffer: () => Promise.resolve(new TextEncoder().encode("abc").buffer) };
        return Promise.resolve({ ok: true, status: 200, blob: () => Promise.resolve(blob) });
      }),
    );
    document.body.insertAdjacentHTML("beforeend", '<img src="/logo.png">');
    Object.defineProperty(document.querySelector("img"), "currentSrc", { value: location.origin + "/logo.png" });
    uploads = call = startCall(recorder, () => {}, MutationObserver, "https://relay.test/visitor/cobrowse_call.js");
    document.querySelector("link").dispatchEvent(new Event("load"));
  });

  afterEach(() => vi.unstubAllGlobals());

  const offers = () => recorder.send_call.mock.calls.map((sent) => hexOf(sent[0])).filter((hex) => hex.startsWith("1e"));

  it("start when an agent watches: a same-origin file is offered by its hash, not uploaded", async () => {
    call.receive(frame("1000")); // Agents: none
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    call.receive(frame("10010103416e61")); // Agents: Ana (1)
    await vi.waitFor(() => expect(offers()).toHaveLength(1));
    const url = location.origin + "/logo.png";
    const sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // of "abc"
    expect(offers()[0]).toBe("1e" + stringHex(url) + stringHex(sha256)); // AssetOffer { url, sha256 }
    expect(recorder.send_asset).not.toHaveBeenCalled();
  });

  it("upload what the relay wants, once, and nothing it did not ask for", async () => {
    call.receive(frame("10010103416e61"));
    await vi.waitFor(() => expect(offers()).toHaveLength(1));
    const url = location.origin + "/logo.png";
    call.receive(frame("1f" + stringHex(location.origin + "/other.png"))); // AssetWanted, never offered
    call.receive(frame("1f" + stringHex(url))); // AssetWanted { url }
    call.receive(frame("1f" + stringHex(url)));
    await vi.waitFor(() => expect(recorder.send_asset).toHaveBeenCalledTimes(1));
    await settle();
    expect(recorder.send_asset).toHaveBeenCalledTimes(1);
    expect(recorder.send_asset.mock.calls[0].slice(1, 3)).toEqual([url, "image/png"]);
  });

  it("stop with the call", async () => {
    call.receive(frame("10010103416e61"));
    await vi.waitFor(() => expect(offers()).toHaveLength(1));
    uploads.end();
    document.body.insertAdjacentHTML("beforeend", '<img src="/more.png">');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(offers()).toHaveLength(1);
  });
});

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
