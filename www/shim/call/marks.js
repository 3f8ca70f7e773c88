/**
 * The agents' marks on the agent layer (layer.js): a highlight ("look here") and freehand drawing.
 *
 * A highlight outlines the element the agent named, found where the agent saw it (find.js): its box in
 * document coordinates; if the page shows something else there, a ring marks the point instead. A stroke
 * is an SVG polyline in document coordinates, one per stroke, grown as its points arrive (Draw with
 * start = false continues the agent's last stroke). Highlights fade after ~3 s, strokes ~4 s after their
 * last point.
 */

import { documentBox, findShown } from "./find.js";
import { fadeLater, make, place } from "./layer.js";

const HIGHLIGHT_FADE_MS = 3000;
const STROKE_FADE_MS = 4000;

/** The marks drawn on `layer` ({root}): {highlight(agent, node, at), draw(agent, start, points)}. */
export function createMarks(layer, nodeInfo) {
  const strokes = new Map(); // agent → its current stroke (a polyline), while it has not faded

  /** Outlines the element `node` shown at `at`, or rings the point if it is not there. */
  function highlight(agent, node, at) {
    const element = findShown(node, at, nodeInfo);
    const mark = make("div", (element ? "cobrowse-highlight" : "cobrowse-ring") + " cobrowse-agent-" + (agent % 4));
    if (element) {
      const box = documentBox(element);
      Object.assign(mark.style, { width: box.width + "px", height: box.height + "px" });
      place(mark, box);
    } else {
      place(mark, at);
    }
    layer.root.appendChild(mark);
    fadeLater(mark, HIGHLIGHT_FADE_MS);
    return mark;
  }

  /** A new stroke of the agent's (an <svg> holding one polyline, at the document's origin). */
  function newStroke(agent) {
    const svg = make("svg", "cobrowse-drawing cobrowse-agent-" + (agent % 4), layer.root, true);
    svg.setAttribute("width", "1");
    svg.setAttribute("height", "1");
    svg.style.overflow = "visible";
    const line = make("polyline", "cobrowse-stroke", svg, true);
    line.setAttribute("points", "");
    strokes.set(agent, line);
    return line;
  }

  /** Adds `points` ([{x, y}]) to the agent's stroke, or to a new one (`start`). */
  function draw(agent, start, points) {
    const line = (!start && strokes.get(agent)) || newStroke(agent);
    const added = points.map(({ x, y }) => x + "," + y).join(" ");
    line.setAttribute("points", (line.getAttribute("points") + " " + added).trim());
    const svg = line.parentNode;
    fadeLater(svg, STROKE_FADE_MS, () => strokes.get(agent) === line && strokes.delete(agent));
    return line;
  }

  return { highlight, draw };
}
