// The elements scrolled (www/shim/scrolls.js) in jsdom: the set the recorder reads scroll offsets of.

import { watchScrolls } from "../scrolls.js";

beforeEach(() => {
  document.body.innerHTML = '<div id="list"><p id="row">row</p></div><div id="still"></div>';
});

const scroll = (element) => element.dispatchEvent(new Event("scroll")); // scroll events do not bubble

test("an element that scrolled is in the set, one that did not is not", () => {
  const scrolled = watchScrolls();
  scroll(document.getElementById("list"));
  scroll(document.getElementById("row"));
  expect(scrolled.has(document.getElementById("list"))).toBe(true);
  expect(scrolled.has(document.getElementById("row"))).toBe(true);
  expect(scrolled.has(document.getElementById("still"))).toBe(false);
});

test("scrolls before the watch began are not in the set", () => {
  scroll(document.getElementById("list"));
  const scrolled = watchScrolls();
  expect(scrolled.has(document.getElementById("list"))).toBe(false);
});
