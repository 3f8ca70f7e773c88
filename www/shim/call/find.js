/**
 * Finding what an agent points at: the element the visitor's own page shows at a point, matched with the
 * node id the agent's mirror had there.
 *
 * Why by point and not by id alone (protocol/src/call.rs, RemoteInput): an agent may reach only what the
 * visitor could reach with the mouse, so nothing hidden or covered. The agent's point is in document
 * coordinates; elementFromPoint takes the viewport's, so the window's scroll is taken off first. Our own
 * elements (the widget, the prompts, the agent layer: all inside [data-cobrowse-ignore]) never count as the
 * page.
 */

/** The attribute that marks the shim's own elements, which the recorder leaves out (visitor-wasm/src/dom.rs). */
export const IGNORE = "[data-cobrowse-ignore]";

/** Whether `element` is one of the shim's own (the widget, a prompt, the agent layer) or inside one. */
export function isOurs(element) {
  return Boolean(element && element.closest && element.closest(IGNORE));
}

/** The element shown at the document point `at` ({x, y}), or null. */
export function elementAt(at) {
  const element = document.elementFromPoint?.(at.x - window.scrollX, at.y - window.scrollY);
  return element || null;
}

/** `element` or its nearest ancestor whose node id (`nodeInfo`, the recorder's) is `node`, else null. */
export function withId(element, node, nodeInfo) {
  for (let current = element; current; current = current.parentElement) {
    if (nodeInfo(current) === node) return current;
  }
  return null;
}

/**
 * The element `node` where the agent saw it (`at`): the element shown there or one of its ancestors, with
 * that id; null if the page shows something else there, or one of our own elements.
 */
export function findShown(node, at, nodeInfo) {
  const shown = elementAt(at);
  if (!shown || isOurs(shown)) return null;
  return withId(shown, node, nodeInfo);
}

/** An element's box in document coordinates: {x, y, width, height}. */
export function documentBox(element) {
  const box = element.getBoundingClientRect();
  return { x: box.left + window.scrollX, y: box.top + window.scrollY, width: box.width, height: box.height };
}
