// Presence (www/shim/call/presence.js) in jsdom: who watches and who controls, shown in the shim's widget,
// announced to screen readers; the widget folded and moved out of the way.

let presence;
let release;
let dismiss;

beforeEach(async () => {
  sessionStorage.clear();
  document.body.innerHTML = '<div id="cobrowse-widget"><p class="cobrowse-key">123 456</p></div>';
  vi.resetModules();
  const { createPresence } = await import("../../call/presence.js");
  release = vi.fn();
  dismiss = vi.fn();
  presence = createPresence(release, dismiss);
});

afterEach(() => presence.end());

const $ = (id) => document.getElementById(id);
const names = () => Array.from($("cobrowse-watchers").querySelectorAll(".cobrowse-watcher-name"), (n) => n.textContent);
const stopButton = (agent) => document.querySelector(`button[data-cobrowse-dismiss="${agent}"]`);

describe("presence", () => {
  it("lists the agents watching in the widget, and announces a newcomer politely", () => {
    presence.agents([{ agent: 1, name: "Ana" }]);
    expect($("cobrowse-widget").contains($("cobrowse-watchers"))).toBe(true);
    expect(names()).toEqual(["Ana"]);
    expect($("cobrowse-watchers").textContent).toMatch(/^Watching:Ana/);
    const announce = $("cobrowse-announce");
    expect(announce.getAttribute("aria-live")).toBe("polite");
    expect(announce.hasAttribute("data-cobrowse-ignore")).toBe(true);
    expect(announce.textContent).toBe("Ana joined and can see your page.");
    presence.agents([
      { agent: 1, name: "Ana" },
      { agent: 2, name: "Bo" },
    ]);
    expect(names()).toEqual(["Ana", "Bo"]);
    expect(announce.textContent).toBe("Bo joined and can see your page.");
    presence.agents([]);
    expect($("cobrowse-watchers").hidden).toBe(true);
  });

  it("gives each watcher a Stop sharing button, named for screen readers and reached by keyboard", () => {
    presence.agents([
      { agent: 1, name: "Ana" },
      { agent: 2, name: "Bo" },
    ]);
    const ana = stopButton(1);
    expect(ana.tagName).toBe("BUTTON");
    expect(ana.type).toBe("button");
    expect(ana.getAttribute("aria-label")).toBe("Stop sharing with Ana");
    expect(stopButton(2).getAttribute("aria-label")).toBe("Stop sharing with Bo");
    expect(ana.tabIndex).toBe(0);
    expect(ana.hasAttribute("style")).toBe(false);
    ana.focus();
    presence.agents([
      { agent: 1, name: "Ana" },
      { agent: 2, name: "Bo" },
      { agent: 3, name: "Cy" },
    ]);
    expect(stopButton(1)).toBe(ana);
    expect(document.activeElement).toBe(ana); // a newcomer does not take the focus from a watcher's button
    ana.click();
    expect(dismiss).toHaveBeenCalledWith(1, "Ana");
    expect(stopButton(1)).toBeNull();
    expect(names()).toEqual(["Bo", "Cy"]);
    expect(document.activeElement).toBe(stopButton(2)); // the focus goes on to the next watcher
    expect($("cobrowse-announce").textContent).toBe("You stopped sharing your page with Ana.");
    presence.agents([{ agent: 2, name: "Bo" }, { agent: 3, name: "Cy" }]); // the relay's list: nothing new
    expect($("cobrowse-announce").textContent).toBe("You stopped sharing your page with Ana.");
    stopButton(3).click();
    stopButton(2).click();
    expect(document.activeElement).toBe($("cobrowse-collapse")); // the last one: the focus stays in the widget
    expect($("cobrowse-watchers").hidden).toBe(true);
    expect(dismiss.mock.calls).toEqual([
      [1, "Ana"],
      [3, "Cy"],
      [2, "Bo"],
    ]);
  });

  it("says who controls the page, with a Take back control button", () => {
    presence.agents([{ agent: 1, name: "Ana" }]);
    expect($("cobrowse-control-stop").closest("[hidden]")).not.toBeNull();
    presence.holder("Ana");
    expect($("cobrowse-control-text").textContent).toMatch(/^Ana controls your page/);
    expect($("cobrowse-control-stop").closest("[hidden]")).toBeNull();
    expect($("cobrowse-control-stop").textContent).toBe("Take back control");
    expect($("cobrowse-announce").textContent).toMatch(/Ana controls your page now/);
    $("cobrowse-control-stop").click();
    expect(release).toHaveBeenCalledTimes(1);
    presence.holder(null);
    expect($("cobrowse-control-stop").closest("[hidden]")).not.toBeNull();
    expect($("cobrowse-announce").textContent).toBe("You have control of your page again.");
  });

  it("folds the widget and moves it to the next corner, remembered for the tab's next pages", async () => {
    presence.agents([{ agent: 1, name: "Ana" }]);
    const widget = $("cobrowse-widget");
    expect($("cobrowse-collapse").getAttribute("aria-expanded")).toBe("true");
    $("cobrowse-collapse").click();
    expect(widget.hasAttribute("data-cobrowse-collapsed")).toBe(true);
    expect($("cobrowse-collapse").getAttribute("aria-expanded")).toBe("false");
    expect($("cobrowse-collapse").textContent).toBe("Show");
    expect(widget.getAttribute("data-cobrowse-corner")).toBe("bottom-right");
    $("cobrowse-corner").click();
    expect(widget.getAttribute("data-cobrowse-corner")).toBe("bottom-left");
    presence.end();
    document.body.innerHTML = '<div id="cobrowse-widget"></div>';
    vi.resetModules();
    const { createPresence } = await import("../../call/presence.js");
    presence = createPresence(release);
    presence.agents([]);
    expect($("cobrowse-widget").hasAttribute("data-cobrowse-collapsed")).toBe(true);
    expect($("cobrowse-widget").getAttribute("data-cobrowse-corner")).toBe("bottom-left");
  });

  it("links the call's stylesheet in the widget's shadow root (its fold and corner), again in a widget built anew", async () => {
    presence.end();
    const sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "https://relay.test/visitor/cobrowse-call.css?v=1";
    const widgetWithShadow = () => {
      const widget = document.createElement("div");
      widget.id = "cobrowse-widget";
      widget.attachShadow({ mode: "open" });
      document.body.appendChild(widget);
      return widget;
    };
    document.body.innerHTML = "";
    const first = widgetWithShadow();
    vi.resetModules();
    const { createPresence } = await import("../../call/presence.js");
    presence = createPresence(release, dismiss, sheet);
    presence.agents([{ agent: 1, name: "Ana" }]);
    const linked = (widget) => widget.shadowRoot.querySelectorAll('link[rel="stylesheet"]');
    expect(linked(first)).toHaveLength(1);
    expect(linked(first)[0].href).toBe(sheet.href);
    first.remove();
    const second = widgetWithShadow();
    presence.agents([{ agent: 1, name: "Ana" }]);
    expect(linked(second)).toHaveLength(1);
    presence.end();
    expect(linked(second)).toHaveLength(0);
  });

  it("puts its panel back into a widget built anew, and leaves nothing at the end", () => {
    presence.agents([{ agent: 1, name: "Ana" }]);
    $("cobrowse-widget").remove();
    document.body.insertAdjacentHTML("beforeend", '<div id="cobrowse-widget"></div>');
    presence.holder("Ana");
    expect($("cobrowse-widget").contains($("cobrowse-control-stop"))).toBe(true);
    presence.end();
    expect($("cobrowse-control-stop")).toBeNull();
    expect($("cobrowse-announce")).toBeNull();
  });
});
