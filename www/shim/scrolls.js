/**
 * The elements scrolled since the shim loaded, so that the recorder reads the scroll offsets of those
 * alone as it walks the page: reading an element's scrollTop costs Chromium about 6 µs, as much as the
 * rest of the element's serialization (120 ms on a page of 20,000 elements), and almost every element is
 * at its origin. Scroll events do not bubble, but a listener capturing on the document sees every scroll
 * of an element of the document (not inside shadow roots or child documents: the recorder reads every
 * element there).
 *
 * A scroll made before the shim loaded is not seen, so the set holds them all (`complete`) only when the
 * shim runs before the body has any element (its tag in the head, run before the body is parsed). Else the
 * recorder reads every element's offset in its first whole walk of the page, adds the elements it finds
 * scrolled to the set, and from then on takes the set as complete (`page/hooks.rs`). A WeakSet: a removed
 * element goes with it (and a removed element loses its scroll offset: put back, it is at its origin).
 */

/** The set of the document's elements scrolled from now on, and whether it holds them all already. */
export function watchScrolls() {
  const complete = !(document.body && document.body.firstElementChild);
  const scrolled = new WeakSet();
  document.addEventListener("scroll", (event) => scrolled.add(event.target), { capture: true, passive: true });
  return { scrolled, complete };
}
