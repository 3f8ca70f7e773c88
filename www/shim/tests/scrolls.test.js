// The elements scrolled (www/shim/scrolls.js) in jsdom: the set the recorder reads scroll offsets of.

import { watchScrolls } from "../scrolls.js";

const scroll = (element) => element.dispatchEvent(new Event("scroll")); // scroll events do not bubble
const byId = (id) => document.getElementById(id);
const fill = () => (document.body.innerHTML = '<div id="list"><p id="row">row</p></div><div id="still"></div>');

test("an element that scrolled is in the set, one that did not is not", () => {
  document.body.innerHTML = "";
  const { scrolled, complete } = watchScrolls();
  expect(complete).toBe(true);
  fill();
  scroll(byId("list"));
  scroll(byId("row"));
  expect(scrolled.has(byId("list"))).toBe(true);
  expect(scrolled.has(byId("row"))).toBe(true);
  expect(scrolled.has(byId("still"))).toBe(false);
});

test("not complete when the body had elements already: they may have scrolled unseen; later scrolls are seen", () => {
  fill();
  const { scrolled, complete } = watchScrolls();
  expect(complete).toBe(false);
  scroll(byId("row"));
  expect(scrolled.has(byId("row"))).toBe(true);
  expect(scrolled.has(byId("list"))).toBe(false);
});
