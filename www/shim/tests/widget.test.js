// The widget (www/shim/widget.js) in jsdom: what it shows at each step of a session, what its button does,
// and the ways a visitor starts a session (a [data-cobrowse-start] click, the Shift+Enter hotkey).

const RELAY = "https://relay.test";

let widget; // the module, fresh for each test (it keeps the shown widget)
let stop;

beforeEach(async () => {
  document.head.innerHTML = "";
  document.body.innerHTML = "";
  vi.resetModules();
  widget = await import("../widget.js");
  stop = vi.fn();
  widget.setupWidget(RELAY, stop);
});

const root = () => document.getElementById("cobrowse-widget");
const key = () => document.getElementById("cobrowse-key");
const button = () => root().querySelector("button");
const stylesheet = () => root().shadowRoot.querySelector('link[rel="stylesheet"]');

describe("the widget", () => {
  it("is hidden until its stylesheet, in its own shadow root, has loaded or failed", () => {
    widget.show("connecting");
    expect(stylesheet().href).toBe(RELAY + "/cobrowse.css");
    expect(document.querySelectorAll('link[rel="stylesheet"]')).toHaveLength(0); // none in the page itself
    expect(root().shadowRoot.querySelector("slot")).not.toBe(null); // its own elements are shown through it
    expect(root().hidden).toBe(true);
    stylesheet().dispatchEvent(new Event("load"));
    expect(root().hidden).toBe(false);
    widget.close();
    widget.show("connecting");
    expect(root().hidden).toBe(true);
    stylesheet().dispatchEvent(new Event("error"));
    expect(root().hidden).toBe(false);
  });

  it("stays closed if it was closed before its stylesheet came", () => {
    widget.show("connecting");
    const closed = root();
    const link = stylesheet();
    widget.close();
    link.dispatchEvent(new Event("load"));
    expect(closed.hidden).toBe(true);
    expect(root()).toBe(null);
  });

  it("is shown as a manual popover (the top layer) where the browser has popovers", () => {
    const shown = [];
    HTMLElement.prototype.showPopover = function () {
      shown.push(this);
    };
    try {
      widget.show("connecting");
      expect(root().popover).toBe("manual");
      expect(shown).toEqual([]); // not before its stylesheet
      stylesheet().dispatchEvent(new Event("load"));
      expect(shown).toEqual([root()]);
      widget.close();
      widget.show("connecting");
      stylesheet().dispatchEvent(new Event("load"));
      expect(shown).toEqual([shown[0], root()]); // built again, shown again
    } finally {
      delete HTMLElement.prototype.showPopover;
    }
  });

  it("says it is connecting, with a Cancel button that stops the session", () => {
    widget.show("connecting");
    expect(root().className).toBe("cobrowse-widget cobrowse-connecting");
    expect(root().getAttribute("role")).toBe("status");
    expect(root().querySelector(".cobrowse-title").textContent).toBe("Starting a cobrowse session\u2026");
    expect(key().hidden).toBe(true);
    expect(button().textContent).toBe("Cancel");
    button().click();
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it("shows the session key once live, and the agents as they come and go", () => {
    widget.show("connecting");
    widget.show("live", { key: "482 913", agents: 0 });
    expect(root().className).toBe("cobrowse-widget cobrowse-live");
    expect(key().textContent).toBe("482 913");
    expect(key().hidden).toBe(false);
    expect(root().querySelector(".cobrowse-title").textContent).toBe("Your session key");
    const agents = document.getElementById("cobrowse-agents");
    const message = root().querySelector(".cobrowse-message");
    expect(agents.textContent).toBe("No agent is watching yet.");
    expect(message.textContent).toBe("Read this key to the agent.");
    widget.show("agentjoined", { name: "Ana", agents: 1 });
    expect(agents.textContent).toBe("1 agent is watching.");
    expect(message.textContent).toBe("Ana joined.");
    widget.show("agentjoined", { name: "Ben", agents: 2 });
    expect(agents.textContent).toBe("2 agents are watching.");
    widget.show("agentleft", { name: "Ana", agents: 1 });
    expect(message.textContent).toBe("Ana left.");
    expect(key().textContent).toBe("482 913");
  });

  it("has an End button while live that calls stop, and a Close button once ended that removes it", () => {
    widget.show("live", { key: "482 913", agents: 0 });
    expect(button().textContent).toBe("End");
    button().click();
    expect(stop).toHaveBeenCalledTimes(1);
    expect(root()).not.toBeNull(); // the session's ended event says what happened
    widget.show("ended", "The visitor ended the session.");
    expect(root().className).toBe("cobrowse-widget cobrowse-ended");
    expect(key().hidden).toBe(true);
    expect(root().querySelector(".cobrowse-message").textContent).toBe("The visitor ended the session.");
    expect(button().textContent).toBe("Close");
    button().click();
    expect(stop).toHaveBeenCalledTimes(1);
    expect(root()).toBeNull();
  });

  it("keeps the key and the End button while reconnecting, or while another tab has the session", () => {
    widget.show("live", { key: "482 913" });
    expect(document.getElementById("cobrowse-agents").textContent).toBe(""); // not known yet
    widget.show("live", { key: "482 913", agents: 1 });
    widget.show("reconnecting");
    expect(root().className).toBe("cobrowse-widget cobrowse-reconnecting");
    expect(key().textContent).toBe("482 913");
    expect(key().hidden).toBe(false);
    expect(root().querySelector(".cobrowse-message").textContent).toBe("Reconnecting\u2026");
    widget.show("waiting");
    expect(root().querySelector(".cobrowse-message").textContent).toBe("Your session continues in another tab.");
    expect(button().textContent).toBe("End");
    button().click();
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it("shows an error as a failure", () => {
    widget.show("connecting");
    widget.show("error", "The relay is unreachable.");
    expect(root().className).toBe("cobrowse-widget cobrowse-failed");
    expect(root().querySelector(".cobrowse-title").textContent).toBe("Cobrowse could not start");
    expect(root().querySelector(".cobrowse-message").textContent).toBe("The relay is unreachable.");
    expect(button().textContent).toBe("Close");
  });

  it("sets no inline style and is never mirrored", () => {
    widget.show("live", { key: "482 913", agents: 0 });
    stylesheet().dispatchEvent(new Event("load"));
    expect(root().hasAttribute("data-cobrowse-ignore")).toBe(true);
    expect(document.querySelectorAll("[style]")).toHaveLength(0);
    expect(root().parentNode).toBe(document.body);
  });
});

describe("starting a session", () => {
  let script, start;

  function listen(attributes = {}) {
    script = document.createElement("script");
    for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
    start = vi.fn(() => Promise.reject(new Error("no relay in these tests")));
    widget.listenForStart(script, start);
  }

  function press(target, init) {
    const event = new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true, ...init });
    target.dispatchEvent(event);
    return event;
  }

  it("starts on Shift+Enter", () => {
    listen();
    const event = press(document.body, { shiftKey: true });
    expect(start).toHaveBeenCalledTimes(1);
    expect(event.defaultPrevented).toBe(true);
  });

  it("does not start on Enter alone, with another modifier, or while typing", () => {
    listen();
    press(document.body, {});
    press(document.body, { shiftKey: true, ctrlKey: true });
    press(document.body, { shiftKey: true, altKey: true });
    press(document.body, { shiftKey: true, metaKey: true });
    press(document.body, { key: "a", shiftKey: true });
    document.body.innerHTML = '<textarea></textarea><div contenteditable="true"></div>';
    press(document.querySelector("textarea"), { shiftKey: true });
    const editable = document.querySelector("div");
    Object.defineProperty(editable, "isContentEditable", { value: true }); // jsdom does not compute it
    press(editable, { shiftKey: true });
    expect(start).not.toHaveBeenCalled();
  });

  it("has no hotkey with data-hotkey=off", () => {
    listen({ "data-hotkey": "off" });
    press(document.body, { shiftKey: true });
    expect(start).not.toHaveBeenCalled();
  });

  it("starts on a click on a [data-cobrowse-start] element or inside one", () => {
    listen({ "data-hotkey": "off" });
    document.body.innerHTML = '<a href="#help" data-cobrowse-start><span>Share my screen</span></a><p>Other</p>';
    document.querySelector("p").click();
    expect(start).not.toHaveBeenCalled();
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    document.querySelector("span").dispatchEvent(click);
    expect(start).toHaveBeenCalledTimes(1);
    expect(click.defaultPrevented).toBe(true);
  });
});
