// Remote control (www/shim/call/control.js, actions.js, keys.js, typing.js, focus.js) in jsdom: who holds
// it, the visitor's pause and Escape, and the agent's inputs acted out as the visitor's would be.
import { createControl, PAUSE_MS, PAUSED } from "../../call/control.js";
import { MASKED } from "../../call/keys.js";

let control;
let sent;
let holders;
let clock;
let masked; // elements the recorder masks
const ids = new Map();

beforeEach(() => {
  sent = [];
  holders = [];
  clock = 10_000;
  masked = new Set();
  ids.clear();
  control = createControl({
    send: (message) => sent.push(message),
    nodeInfo: (element) => ids.get(element) ?? -1,
    mayType: (field) => !masked.has(field),
    pointer: () => {},
    changed: (agent) => holders.push(agent),
    now: () => clock,
  });
});

afterEach(() => {
  control.end();
  delete document.elementFromPoint;
});

const $ = (id) => document.getElementById(id);
const shows = (element) => (document.elementFromPoint = () => element);
const click = (node, at = { x: 5, y: 5 }) => control.input(1, { type: "Click", node, at });
const key = (k, modifiers = 0) => control.input(1, { type: "Key", key: k, modifiers });
const refusals = () => sent.filter((message) => message.type === "ControlRefused").map((message) => message.reason);

describe("who holds control", () => {
  it("acts out only the inputs of the agent holding control", () => {
    document.body.innerHTML = '<input type="checkbox" id="box">';
    shows($("box"));
    click(0);
    expect($("box").checked).toBe(false);
    control.setHolder(2);
    click(0);
    expect($("box").checked).toBe(false);
    control.setHolder(1);
    click(0);
    expect(refusals()).toEqual([]);
    expect($("box").checked).toBe(true);
    expect(holders).toEqual([2, 1]);
  });

  it("is taken back with a trusted Escape, never a synthetic one", () => {
    control.setHolder(1);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" })); // untrusted: the page's own
    expect(control.holder()).toBe(1);
    control.visitorActed({ isTrusted: true, type: "keydown", key: "Escape" });
    expect(control.holder()).toBe(0);
    expect(sent).toEqual([{ type: "ControlRelease" }]);
    expect(holders).toEqual([1, 0]);
  });

  it("pauses the agent's inputs for a second after the visitor's own", () => {
    document.body.innerHTML = '<input type="checkbox" id="box">';
    shows($("box"));
    control.setHolder(1);
    control.visitorActed({ isTrusted: true, type: "pointerdown" });
    click(0);
    expect($("box").checked).toBe(false);
    expect(refusals()).toEqual([PAUSED]);
    clock += PAUSE_MS;
    click(0);
    expect($("box").checked).toBe(true);
    control.visitorActed({ isTrusted: false, type: "wheel" }); // a page's synthetic event pauses nothing
    click(0);
    expect($("box").checked).toBe(false);
  });

  it("is not paused by the visitor's presses on cobrowse's own prompts (allowing control is not using the page)", () => {
    document.body.innerHTML = '<input type="checkbox" id="box"><div data-cobrowse-ignore><button id="allow">Allow</button></div>';
    shows($("box"));
    control.setHolder(1);
    control.visitorActed({ isTrusted: true, type: "pointerdown", target: $("allow") });
    click(0);
    expect($("box").checked).toBe(true);
    expect(refusals()).toEqual([]);
  });
});

describe("clicks", () => {
  beforeEach(() => control.setHolder(1));

  it("press, focus, release and click the element shown, preferring the one the agent named", () => {
    document.body.innerHTML = '<label id="label"><span id="text">Agree</span> <input type="checkbox" id="box"></label>';
    const seen = [];
    ["pointerdown", "mousedown", "pointerup", "mouseup", "click"].forEach((type) =>
      $("label").addEventListener(type, (event) => seen.push(type + ":" + event.target.id + ":" + event.clientY)),
    );
    ids.set($("label"), 4);
    window.scrollY = 100;
    shows($("text"));
    click(4, { x: 5, y: 130 });
    expect(seen.slice(0, 5)).toEqual(["pointerdown:label:30", "mousedown:label:30", "pointerup:label:30", "mouseup:label:30", "click:label:30"]);
    expect($("box").checked).toBe(true); // the label clicked its control
    window.scrollY = 0;
  });

  it("toggle checkboxes and radios, and submit forms with their submit button", () => {
    document.body.innerHTML =
      '<form id="form"><input type="radio" name="r" id="a" checked><input type="radio" name="r" id="b"><button id="go">Go</button></form>';
    const submitted = vi.fn((event) => event.preventDefault());
    $("form").addEventListener("submit", submitted);
    shows($("b"));
    click(0);
    expect($("b").checked).toBe(true);
    expect($("a").checked).toBe(false);
    shows($("go"));
    click(0);
    expect(submitted).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe($("go"));
  });

  it("never reach the visitor's cobrowse controls or a file chooser", () => {
    document.body.innerHTML =
      '<div data-cobrowse-ignore><button id="end">End</button></div><label id="l">File <input type="file" id="f"></label>';
    const ended = vi.fn();
    $("end").addEventListener("click", ended);
    shows($("end"));
    click(0);
    shows($("f"));
    click(0);
    shows($("l"));
    click(0);
    expect(ended).not.toHaveBeenCalled();
    expect(refusals()).toEqual([
      "that is the visitor's cobrowse controls: only the visitor can use them",
      "choosing a file is for the visitor to do",
      "choosing a file is for the visitor to do",
    ]);
  });
});

describe("keys and text", () => {
  beforeEach(() => control.setHolder(1));

  it("type into a field whose framework keeps its value in its own state", () => {
    document.body.innerHTML = '<input id="name">';
    const field = $("name");
    const state = { value: "" }; // as React: the element's own value property is wrapped, state follows input events
    const own = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
    Object.defineProperty(field, "value", {
      get: () => own.get.call(field),
      set: () => {
        throw new Error("the framework's wrapper was used");
      },
    });
    field.addEventListener("input", (event) => (state.value = event.target.value));
    const changed = vi.fn();
    field.addEventListener("change", changed);
    field.focus();
    "Ana".split("").forEach((k) => key(k, k === "A" ? 1 : 0));
    control.input(1, { type: "Text", text: " Lima" });
    key("Backspace");
    expect(state.value).toBe("Ana Lim");
    expect(refusals()).toEqual([]);
    field.blur();
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("leave a masked field alone and tell the agent why", () => {
    document.body.innerHTML = '<input id="card">';
    masked.add($("card"));
    const keydown = vi.fn();
    $("card").addEventListener("keydown", keydown);
    $("card").focus();
    key("4");
    control.input(1, { type: "Text", text: "4242" });
    expect($("card").value).toBe("");
    expect(keydown).not.toHaveBeenCalled();
    expect(refusals()).toEqual([MASKED, MASKED]);
  });

  it("move the focus with Tab and Shift+Tab in tab order, past what cannot take it", () => {
    document.body.innerHTML = `
      <input id="one"><button id="off" disabled>x</button><input type="hidden" id="hidden">
      <a id="link" href="#x">link</a><span hidden><input id="gone"></span><div data-cobrowse-ignore><button id="ours">End</button></div>
      <input id="last" tabindex="-1"><textarea id="two"></textarea><button id="first" tabindex="1">first</button>`;
    $("one").focus();
    key("Tab");
    expect(document.activeElement.id).toBe("link");
    key("Tab");
    expect(document.activeElement.id).toBe("two");
    key("Tab");
    expect(document.activeElement.id).toBe("first"); // wraps to the positive tabindex
    key("Tab", 1);
    expect(document.activeElement.id).toBe("two");
  });

  it("submit a field's form on Enter, and change a select's choice with the arrows", () => {
    document.body.innerHTML =
      '<form id="form"><input id="q"><select id="s"><option>a</option><option>b</option></select></form>';
    const submitted = vi.fn((event) => event.preventDefault());
    $("form").addEventListener("submit", submitted);
    $("q").focus();
    key("Enter");
    expect(submitted).toHaveBeenCalledTimes(1);
    const changed = vi.fn();
    $("s").addEventListener("change", changed);
    $("s").focus();
    key("ArrowDown");
    expect($("s").selectedIndex).toBe(1);
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("move a radio group's choice with the arrows, wrapping around, never into another group", () => {
    document.body.innerHTML =
      '<input type="radio" name="size" id="s"><input type="radio" name="size" id="m" disabled>' +
      '<input type="radio" name="size" id="l"><input type="radio" name="other" id="x">';
    const changed = vi.fn();
    document.body.addEventListener("change", changed);
    $("s").focus();
    key("ArrowDown");
    expect([$("l").checked, document.activeElement.id]).toEqual([true, "l"]);
    key("ArrowRight");
    expect([$("s").checked, $("l").checked, document.activeElement.id]).toEqual([true, false, "s"]);
    key("ArrowUp");
    expect($("l").checked).toBe(true);
    expect($("x").checked).toBe(false);
    expect(changed).toHaveBeenCalledTimes(3);
  });

  it("leave the default to a page that cancels the keydown", () => {
    document.body.innerHTML = '<input id="q">';
    $("q").addEventListener("keydown", (event) => event.preventDefault());
    $("q").focus();
    key("x");
    expect($("q").value).toBe("");
  });

  it("space clicks a focused checkbox", () => {
    document.body.innerHTML = '<input type="checkbox" id="box">';
    $("box").focus();
    key(" ");
    expect($("box").checked).toBe(true);
  });
});

describe("scrolls and choices", () => {
  beforeEach(() => control.setHolder(1));

  it("scroll the window and the element shown where the agent saw it, and choose in a select", () => {
    document.body.innerHTML = '<div id="list"></div><select id="s"><option>a</option><option>b</option><option>c</option></select>';
    window.scrollTo = vi.fn();
    control.input(1, { type: "Scroll", to: { x: 0, y: 900 } });
    expect(window.scrollTo).toHaveBeenCalledWith(0, 900);
    ids.set($("list"), 3);
    shows($("list"));
    control.input(1, { type: "ScrollElement", node: 3, at: { x: 1, y: 1 }, to: { x: 0, y: 64 } });
    expect($("list").scrollTop).toBe(64);
    ids.set($("s"), 9);
    shows($("s"));
    const changed = vi.fn();
    $("s").addEventListener("change", changed);
    control.input(1, { type: "Select", node: 9, at: { x: 1, y: 1 }, index: 2 });
    expect($("s").selectedIndex).toBe(2);
    expect(changed).toHaveBeenCalledTimes(1);
    masked.add($("s"));
    control.input(1, { type: "Select", node: 9, at: { x: 1, y: 1 }, index: 0 });
    expect($("s").selectedIndex).toBe(2);
    expect(refusals()).toEqual(["this list is masked: only the visitor can choose in it"]);
  });
});
