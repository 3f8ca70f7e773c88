// Seeded random DOM mutations on a visitor's page, in batches, for the e2e mirror tests.
//
// `cobrowseRandomMutations(seed, count, keepIds, done)` applies `count` mutations to `document.body` in
// random batches (each batch runs in one task, so the visitor's MutationObserver sees it as one record
// list), waiting a random 0–40 ms between batches, then calls `done(summary)`.
// Kinds: insert a new subtree (HTML or SVG) or a text node, remove an element or a text node, move an
// element, set or remove an attribute, change a text node. The same seed gives the same choices on the
// same page.
// Elements whose id is in `keepIds` are left alone with their subtrees, and their ancestors are never
// removed or moved and keep their class, so the test can still type into them afterwards (and the page's
// own timers, which rewrite some of them, cannot make a run depend on timing). The shim's widget
// (`[data-cobrowse-ignore]`), scripts, styles, selects, textareas and SVG internals are left alone too.
function cobrowseRandomMutations(seed, count, keepIds, done) {
  "use strict";
  var HTML_NS = "http://www.w3.org/1999/xhtml";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var VOID = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];
  var UNTOUCHABLE = "[data-cobrowse-ignore],script,noscript,style,template,svg,select,textarea,option,head";
  var WORDS = ["alpine", "breeze", "canyon", "delta", "ember", "fjord", "glacier", "harbor", "island", "juniper",
    "kestrel", "lagoon", "meadow", "nimbus", "orchard", "prairie", "quartz", "ridge", "summit", "tundra",
    "umber", "valley", "willow", "yarrow", "zephyr", "Ünïcødé", "→", "日本"];
  var SAFE_ATTRIBUTES = ["title", "data-e2e", "aria-label", "lang", "data-note"];
  var MASK_SELECTOR = "[data-cobrowse-mask],.cobrowse-mask";
  var CLASSES = ["e2e-a", "e2e-b", "hint", "choice", "product-meta"];

  var state = seed >>> 0;
  function random() { // mulberry32
    state = (state + 0x6D2B79F5) >>> 0;
    var t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  function between(low, high) { return low + Math.floor(random() * (high - low + 1)); }
  function pick(list) { return list.length ? list[Math.floor(random() * list.length)] : null; }
  function words(n) {
    var out = [];
    for (var i = 0; i < n; i++) out.push(pick(WORDS));
    return out.join(" ");
  }

  var untouchable = UNTOUCHABLE + keepIds.map(function (id) { return ",#" + CSS.escape(id); }).join("");
  var kept = new Set();
  keepIds.forEach(function (id) {
    for (var node = document.getElementById(id); node; node = node.parentElement) kept.add(node);
  });
  var body = document.body;

  function touchable(element) {
    return element.namespaceURI === HTML_NS && !element.closest(untouchable);
  }
  function allElements() {
    return Array.prototype.filter.call(body.querySelectorAll("*"), touchable);
  }
  function containers() {
    return [body].concat(allElements().filter(function (e) { return VOID.indexOf(e.localName) < 0; }));
  }
  function movable() {
    return allElements().filter(function (e) { return !kept.has(e); });
  }
  function textNodes() {
    var out = [];
    var walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && touchable(node.parentElement)) out.push(node);
    }
    return out;
  }
  // Classes may change, except where that would change what is masked (elements move in and out of
  // masked subtrees, but no element starts or stops being a mask) or unprotect a kept element.
  function mayChangeClass(element) {
    return !kept.has(element) && !element.matches(MASK_SELECTOR);
  }
  function randomPlaceIn(container) {
    return pick(Array.prototype.slice.call(container.childNodes).concat([null]));
  }

  function newSubtree(depth) {
    var kind = pick(["div", "span", "p", "em", "strong", "section", "ul", "a", "button", "label", "input", "img", "svg"]);
    var element;
    switch (kind) {
      case "svg":
        element = document.createElementNS(SVG_NS, "svg");
        element.setAttribute("viewBox", "0 0 10 10");
        element.setAttribute("width", "10");
        var circle = document.createElementNS(SVG_NS, "circle");
        circle.setAttribute("cx", "5");
        circle.setAttribute("cy", "5");
        circle.setAttribute("r", String(between(1, 5)));
        element.appendChild(circle);
        return element;
      case "input":
        element = document.createElement("input");
        element.type = pick(["text", "checkbox"]);
        element.setAttribute("value", words(1));
        return element;
      case "img":
        element = document.createElement("img");
        element.setAttribute("alt", words(2));
        return element;
      case "ul":
        element = document.createElement("ul");
        for (var i = between(1, 3); i > 0; i--) {
          var item = document.createElement("li");
          item.textContent = words(between(1, 3));
          element.appendChild(item);
        }
        return element;
      case "a":
        element = document.createElement("a");
        element.setAttribute("href", pick(["#" + words(1), "?q=" + words(1), "/help/" + words(1), "https://example.com/" + words(1)]));
        element.textContent = words(2);
        return element;
      default:
        element = document.createElement(kind);
        if (random() < 0.5) element.className = pick(CLASSES);
        element.appendChild(document.createTextNode(words(between(1, 4))));
        if (depth < 2 && random() < 0.4) element.appendChild(newSubtree(depth + 1));
        if (random() < 0.3) element.appendChild(document.createTextNode(" " + words(1)));
        return element;
    }
  }

  var operations = {
    insertElement: function () {
      var container = pick(containers());
      container.insertBefore(newSubtree(0), randomPlaceIn(container));
      return true;
    },
    insertText: function () {
      var container = pick(containers());
      container.insertBefore(document.createTextNode(words(between(1, 3))), randomPlaceIn(container));
      return true;
    },
    removeElement: function () {
      var element = pick(movable());
      if (!element) return false;
      element.remove();
      return true;
    },
    removeText: function () {
      var node = pick(textNodes());
      if (!node) return false;
      node.remove();
      return true;
    },
    moveElement: function () {
      var element = pick(movable());
      if (!element) return false;
      var targets = containers().filter(function (c) { return !element.contains(c); });
      var target = pick(targets);
      if (!target) return false;
      var before = randomPlaceIn(target);
      if (before === element) before = element.nextSibling;
      target.insertBefore(element, before);
      return true;
    },
    setAttribute: function () {
      var element = pick(allElements());
      if (!element) return false;
      if (mayChangeClass(element) && random() < 0.3) {
        element.setAttribute("class", pick(CLASSES) + (random() < 0.5 ? " " + pick(CLASSES) : ""));
      } else {
        element.setAttribute(pick(SAFE_ATTRIBUTES), words(between(1, 3)));
      }
      return true;
    },
    removeAttribute: function () {
      var element = pick(allElements());
      if (!element) return false;
      var names = SAFE_ATTRIBUTES.concat(mayChangeClass(element) ? ["class"] : []).filter(function (name) {
        return element.hasAttribute(name);
      });
      var name = pick(names);
      if (!name) return false;
      element.removeAttribute(name);
      return true;
    },
    changeText: function () {
      var node = pick(textNodes());
      if (!node) return false;
      node.data = random() < 0.2 ? "" : words(between(1, 4));
      return true;
    }
  };
  var WEIGHTS = [
    ["insertElement", 4], ["insertText", 1], ["removeElement", 2], ["removeText", 1], ["moveElement", 3],
    ["setAttribute", 3], ["removeAttribute", 2], ["changeText", 3]
  ];
  var totalWeight = WEIGHTS.reduce(function (sum, entry) { return sum + entry[1]; }, 0);
  function pickOperation() {
    var roll = random() * totalWeight;
    for (var i = 0; i < WEIGHTS.length; i++) {
      roll -= WEIGHTS[i][1];
      if (roll < 0) return WEIGHTS[i][0];
    }
    return WEIGHTS[0][0];
  }

  var summary = { applied: 0, batches: 0, skipped: 0, kinds: {} };
  function batch() {
    var size = between(1, 15);
    for (var i = 0; i < size && summary.applied < count; i++) {
      var name = pickOperation();
      if (operations[name]()) {
        summary.applied += 1;
        summary.kinds[name] = (summary.kinds[name] || 0) + 1;
      } else {
        summary.skipped += 1;
      }
    }
    summary.batches += 1;
    return summary.applied < count;
  }
  function step() {
    try {
      if (batch()) {
        setTimeout(step, between(0, 40));
      } else {
        done(summary);
      }
    } catch (error) {
      done({ error: String(error && error.stack || error) });
    }
  }
  step();
}
