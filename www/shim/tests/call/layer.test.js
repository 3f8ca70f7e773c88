// The agent layer (www/shim/call/layer.js, marks.js) in jsdom: a zero-sized, untouchable box at the
// document's origin, left out of the mirror; pointers, highlights and strokes in document coordinates, each
// fading by itself.
import { createLayer } from "../../call/layer.js";
import { createMarks } from "../../call/marks.js";

let layer;
let marks;
const ids = new Map();
const nodeInfo = (element) => ids.get(element) ?? -1;

beforeEach(() => {
  vi.useFakeTimers();
  document.body.innerHTML = '<div id="card"><button id="buy">Buy</button></div>';
  ids.clear();
  layer = createLayer();
  marks = createMarks(layer, nodeInfo);
  window.scrollX = 0;
  window.scrollY = 0;
});

afterEach(() => {
  layer.end();
  vi.useRealTimers();
  delete document.elementFromPoint;
});

const root = () => document.getElementById("cobrowse-agent-layer");

describe("the agent layer", () => {
  it("is a zero-sized box at the document's origin, over everything, untouchable, not mirrored", () => {
    expect(root().parentNode).toBe(document.documentElement);
    expect(root().hasAttribute("data-cobrowse-ignore")).toBe(true);
    const style = root().style;
    expect([style.position, style.left, style.top, style.width, style.height]).toEqual(["absolute", "0px", "0px", "0px", "0px"]);
    expect([style.overflow, style.pointerEvents, style.zIndex]).toEqual(["visible", "none", "2147483647"]);
    expect(root().getAttribute("style")).toBeTruthy(); // set through the CSSOM, not from markup
  });

  it("shows an agent's pointer with its name at document coordinates, and hides it on None", () => {
    layer.pointer(1, { x: 120, y: 2400 }, "Ana");
    const pointer = root().querySelector(".cobrowse-pointer");
    expect(pointer.style.transform).toBe("translate(120px, 2400px)");
    expect(pointer.textContent).toBe("Ana");
    layer.pointer(1, { x: 130, y: 2410 }, "Ana");
    expect(root().querySelectorAll(".cobrowse-pointer")).toHaveLength(1);
    expect(pointer.style.transform).toBe("translate(130px, 2410px)");
    layer.pointer(1, null);
    expect(root().querySelector(".cobrowse-pointer")).toBeNull();
  });

  it("fades a pointer that stays still for about three seconds", () => {
    layer.pointer(1, { x: 1, y: 2 }, "Ana");
    vi.advanceTimersByTime(2900);
    layer.pointer(1, { x: 3, y: 4 }, "Ana"); // it moved: it stays
    vi.advanceTimersByTime(2900);
    expect(root().querySelector(".cobrowse-pointer.cobrowse-fading")).toBeNull();
    vi.advanceTimersByTime(200);
    expect(root().querySelector(".cobrowse-pointer.cobrowse-fading")).not.toBeNull();
    vi.advanceTimersByTime(500);
    expect(root().querySelector(".cobrowse-pointer")).toBeNull();
  });

  it("keeps one pointer per agent when a hidden pointer's fade would have fired later", () => {
    layer.pointer(1, { x: 1, y: 2 }, "Ana");
    vi.advanceTimersByTime(3100); // fading
    layer.pointer(1, null); // the agent's mouse left the mirror
    layer.pointer(1, { x: 5, y: 6 }, "Ana"); // and came back
    vi.advanceTimersByTime(600); // the old fade's end would have dropped the new pointer's entry
    layer.pointer(1, { x: 7, y: 8 }, "Ana");
    expect(root().querySelectorAll(".cobrowse-pointer")).toHaveLength(1);
  });

  it("outlines the element shown where the agent saw it, in document coordinates", () => {
    const buy = document.getElementById("buy");
    ids.set(document.getElementById("card"), 7);
    buy.getBoundingClientRect = () => ({ left: 10, top: 20, width: 80, height: 30 });
    document.getElementById("card").getBoundingClientRect = () => ({ left: 5, top: 15, width: 200, height: 100 });
    window.scrollY = 1000;
    document.elementFromPoint = vi.fn(() => buy);
    const mark = marks.highlight(1, 7, { x: 15, y: 1025 });
    expect(document.elementFromPoint).toHaveBeenCalledWith(15, 25);
    expect(mark.className).toMatch(/cobrowse-highlight/);
    expect(mark.style.transform).toBe("translate(5px, 1015px)");
    expect([mark.style.width, mark.style.height]).toEqual(["200px", "100px"]);
    vi.advanceTimersByTime(3500);
    expect(mark.isConnected).toBe(false);
  });

  it("rings the point when the page shows something else there", () => {
    document.elementFromPoint = () => document.getElementById("buy");
    const mark = marks.highlight(2, 99, { x: 50, y: 60 });
    expect(mark.className).toMatch(/cobrowse-ring/);
    expect(mark.style.transform).toBe("translate(50px, 60px)");
  });

  it("draws a stroke as one polyline, continued until a new one starts, fading after four seconds", () => {
    const line = marks.draw(1, true, [{ x: 1, y: 2 }, { x: 3, y: 4 }]);
    expect(line.tagName).toBe("polyline");
    expect(marks.draw(1, false, [{ x: 5, y: 6 }])).toBe(line);
    expect(line.getAttribute("points")).toBe("1,2 3,4 5,6");
    const next = marks.draw(1, true, [{ x: -1, y: 0 }]);
    expect(next).not.toBe(line);
    expect(root().querySelectorAll("svg.cobrowse-drawing")).toHaveLength(2);
    vi.advanceTimersByTime(4500);
    expect(root().querySelectorAll("svg.cobrowse-drawing")).toHaveLength(0);
  });

  it("lets a click beneath a mark reach the page (the marks inherit pointer-events: none)", () => {
    layer.pointer(1, { x: 1, y: 2 }, "Ana");
    const pointer = root().querySelector(".cobrowse-pointer");
    expect(getComputedStyle(pointer).pointerEvents).toBe("none");
  });
});
