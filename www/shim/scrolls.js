/**
 * The elements scrolled since the shim loaded, so that the recorder reads the scroll offsets of those
 * alone as it walks the page: reading an element's scrollTop costs Chromium about 6 µs, as much as the
 * rest of the element's serialization (120 ms on a page of 20,000 elements), and almost every element is
 * at its origin. Scroll events do not bubble, but a listener capturing on the document sees every scroll
 * of an element of the document (not inside shadow roots or child documents: the recorder reads every
 * element there).
 *
 * A scroll made before the shim loaded is not seen, so the set is handed to the recorder
 * (`hooks.scrolled`) only when the shim runs before the body has any element (its tag in the head, run
 * before the body is parsed); otherwise the recorder reads every element's offset, as it must. A WeakSet:
 * a removed element goes with it.
 */

/** The set of the document's elements scrolled from now on, if it will hold them all; else undefined. */
export function watchScrolls() {
  if (document.body && document.body.firstElementChild) return undefined;
  const scrolled = new WeakSet();
  document.addEventListener("scroll", (event) => scrolled.add(event.target), { capture: true, passive: true });
  return scrolled;
}
