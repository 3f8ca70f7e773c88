/**
 * The elements scrolled since the shim loaded, so that the recorder reads the scroll offsets of those
 * alone as it walks the page: reading an element's scrollTop costs Chromium about 6 µs, as much as the
 * rest of the element's serialization (120 ms on a page of 20,000 elements), and almost every element is
 * at its origin. Scroll events do not bubble, but a listener capturing on the document sees every scroll
 * of an element of the document. Not those inside shadow roots or child documents (the recorder reads
 * every element there), nor an element scrolled before the shim loaded and not since (it shows at its
 * origin until it scrolls again). A WeakSet: a removed element goes with it.
 */

/** Watches the document's element scrolls from now on; answers the set of elements scrolled. */
export function watchScrolls() {
  const scrolled = new WeakSet();
  document.addEventListener("scroll", (event) => scrolled.add(event.target), { capture: true, passive: true });
  return scrolled;
}
