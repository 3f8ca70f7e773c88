// The canonical tree of a document, for comparing a visitor's page with an agent's mirror of it.
//
// Injected by the e2e harness into both browsers. `role` is "visitor" (the page itself) or "mirror" (the
// document inside the viewer's iframe). Both sides are reduced to what the mirror must reproduce:
// - elements: local name, namespace, attributes (sorted; URL attributes also resolved against the base),
//   live form state (value / checked / selected), and children;
// - text: adjacent text nodes merged, whitespace collapsed, blank text dropped;
// - left out: comments, doctype, `[data-cobrowse-ignore]` (the shim's widget and stylesheet); on the
//   visitor `<script>`/`<noscript>`, `on*` and `srcdoc` attributes and the raw-text content of `<iframe>`,
//   `<noembed>` and `<noframes>` elements (never sent: docs/masking.md, "Markup held as text"; a frame's
//   document is compared as its `#document`); in the mirror the placeholders
//   `template[data-cobrowse-script]`, the viewer's own `[data-cobrowse-viewer]` stylesheet and the `<base>`
//   it inserts first in `<head>`, and the `data-cobrowse-masked` marker.
// In the mirror, a URL the viewer points at the relay's copy of an asset the visitor uploaded is mapped back
// to the visitor's URL (`window.cobrowseViewer.assets`: relay URL → visitor URL), in URL attributes and in
// `srcset` candidates (whose URLs are compared resolved, on both sides).
// Each element also says whether the visitor's masking rules cover it (`masked`); the harness uses the
// visitor's flag to expect the mask glyphs in the mirror instead of the value.
//
// With `options.deep` (the fidelity test) the tree also holds what the mirror must carry beyond markup:
// an open shadow root as a `#shadow-root` child of its host, a same-origin frame's document as a
// `#document` child of the frame, and per element its scroll offset (when not at the origin), whether a
// `<dialog>` is modal, and a media element's paused / muted state and whole seconds played. Without it the
// tree is the plain one the other suites compare.
function cobrowseCanonicalTree(doc, role, options) {
  "use strict";
  var deep = !!(options && options.deep);
  var HTML_NS = "http://www.w3.org/1999/xhtml";
  var NAMESPACES = {
    "http://www.w3.org/1999/xhtml": "html",
    "http://www.w3.org/2000/svg": "svg",
    "http://www.w3.org/1998/Math/MathML": "mathml"
  };
  // The visitor's default rules (docs/masking.md): markers, and card or one-time-code fields.
  var MASK_SELECTOR = "[data-cobrowse-mask],.cobrowse-mask,[glance_masked=true i]";
  var SECRET_AUTOCOMPLETE = ["cc-number", "cc-csc", "cc-exp", "cc-exp-month", "cc-exp-year", "cc-name", "one-time-code"];
  var URL_ATTRIBUTES = ["href", "src", "action", "formaction", "poster", "cite", "background", "xlink:href"];
  var isMirror = role === "mirror";
  var uploaded = (isMirror && window.cobrowseViewer && window.cobrowseViewer.assets) || {};

  if (!doc || !doc.documentElement) {
    return { error: role + ": there is no document (yet)" };
  }
  var insertedBases = [];
  function noteInsertedBase(document) {
    if (isMirror && document.head && document.head.firstElementChild &&
        document.head.firstElementChild.localName === "base") {
      insertedBases.push(document.head.firstElementChild);
    }
  }
  noteInsertedBase(doc);

  function isSkipped(element) {
    if (element.hasAttribute("data-cobrowse-ignore")) return true;
    if (isMirror) {
      return insertedBases.indexOf(element) >= 0 ||
        element.hasAttribute("data-cobrowse-viewer") ||
        (element.localName === "template" && element.hasAttribute("data-cobrowse-script"));
    }
    return element.localName === "script" || element.localName === "noscript";
  }

  function isSecretAutocomplete(element) {
    var tokens = (element.getAttribute("autocomplete") || "").toLowerCase().split(/\s+/);
    return tokens.some(function (token) { return SECRET_AUTOCOMPLETE.indexOf(token) >= 0; });
  }

  function startsMasked(element) {
    if (element.matches(MASK_SELECTOR)) return true;
    if ((element.localName === "input" || element.localName === "textarea") && isSecretAutocomplete(element)) return true;
    if (element.localName === "input" && element.namespaceURI === HTML_NS) {
      var type = (element.type || "").toLowerCase();
      return type === "password" || type === "hidden" || type === "file";
    }
    return false;
  }

  function resolved(value, element) {
    try {
      var url = new URL(value.trim(), element.ownerDocument.baseURI);
      var fragment = url.hash;
      url.hash = "";
      return (Object.prototype.hasOwnProperty.call(uploaded, url.href) ? uploaded[url.href] : url.href) + fragment;
    } catch (error) {
      return null;
    }
  }

  // A srcset with each candidate's URL resolved (and mapped back in the mirror).
  function resolvedCandidates(value, element) {
    return value.split(",").map(function (candidate) {
      var parts = candidate.trim().split(/\s+/);
      parts[0] = parts[0] && (resolved(parts[0], element) || parts[0]);
      return parts.join(" ");
    }).join(", ");
  }

  function attributes(element) {
    var list = [];
    for (var i = 0; i < element.attributes.length; i++) {
      var attribute = element.attributes[i];
      var name = attribute.name;
      if (!isMirror && (/^on/i.test(name) || name.toLowerCase() === "srcdoc")) continue;
      if (name === "data-cobrowse-masked") continue;
      // The viewer marks where the visitor's pointer and focus are, for their :hover and :focus styles.
      if (isMirror && /^data-cobrowse-(hover|focus|focus-within)$/.test(name)) continue;
      // The mirror keeps a frame's src and sandbox under other names, so its frame loads nothing.
      if (isMirror && (name === "data-cobrowse-src" || name === "data-cobrowse-sandbox")) name = name.slice(14);
      var isUrl = URL_ATTRIBUTES.indexOf(name.toLowerCase()) >= 0;
      var isCandidates = name === "srcset" || name === "imagesrcset";
      var shown = isUrl ? resolved(attribute.value, element) : isCandidates ? resolvedCandidates(attribute.value, element) : null;
      list.push([name, attribute.value, shown]);
    }
    list.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    return list;
  }

  function formState(element) {
    if (element.namespaceURI !== HTML_NS) return null;
    switch (element.localName) {
      case "input":
        var type = (element.type || "text").toLowerCase();
        if (type === "checkbox" || type === "radio") return { value: null, checked: element.checked, selected: null };
        if (type === "file") return null;
        return { value: element.value, checked: null, selected: null };
      case "textarea":
      case "select":
        return { value: element.value, checked: null, selected: null };
      case "option":
        return { value: null, checked: null, selected: element.selected };
      default:
        return null;
    }
  }

  function children(parent, masked) {
    var out = [];
    var text = null;
    function flush() {
      if (text === null) return;
      var collapsed = text.replace(/\s+/g, " ").trim();
      if (collapsed) out.push({ k: "text", text: collapsed });
      text = null;
    }
    // A textarea's text child is only its default value; its live value is compared as form state.
    // Walked by firstChild/nextSibling: some pages replace childNodes (see the corpus's monkey-patched page).
    // The raw-text content of frames, noembed and noframes is never sent (the browser never shows it).
    var skipAll = ["textarea", "template", "iframe", "noembed", "noframes"].indexOf(parent.localName) >= 0;
    for (var node = skipAll ? null : parent.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 3 || node.nodeType === 4) {
        text = (text || "") + node.data;
      } else if (node.nodeType === 1 && !isSkipped(node)) {
        flush();
        out.push(element(node, masked));
      }
    }
    flush();
    return out;
  }

  function element(node, inheritedMask) {
    var masked = inheritedMask || startsMasked(node);
    var out = {
      k: "el",
      tag: node.localName,
      ns: NAMESPACES[node.namespaceURI] || String(node.namespaceURI),
      attrs: attributes(node),
      form: formState(node),
      masked: masked,
      kids: children(node, masked)
    };
    if (deep) addDeepState(node, out, masked);
    return out;
  }

  // A pseudo element standing for a shadow root or a frame's document, holding its children.
  function pseudo(tag, kids) {
    return { k: "el", tag: tag, ns: "html", attrs: [], form: null, masked: false, kids: kids };
  }

  function addDeepState(node, out, masked) {
    if (node.scrollLeft || node.scrollTop) out.scroll = [Math.round(node.scrollLeft), Math.round(node.scrollTop)];
    if (node.localName === "dialog") out.modal = safeMatches(node, ":modal");
    if (node.localName === "video" || node.localName === "audio") {
      out.media = { paused: node.paused, muted: node.muted, seconds: Math.floor(node.currentTime || 0) };
    }
    if (node.shadowRoot) out.kids.unshift(pseudo("#shadow-root", children(node.shadowRoot, masked)));
    var frameDocument = frameDocumentOf(node);
    if (frameDocument && frameDocument.documentElement) {
      noteInsertedBase(frameDocument);
      out.kids.unshift(pseudo("#document", [element(frameDocument.documentElement, masked)]));
    }
  }

  function safeMatches(node, selector) {
    try {
      return node.matches(selector);
    } catch (error) {
      return false;
    }
  }

  // A same-origin frame's document; null for other elements, cross-origin frames and frames not loaded.
  function frameDocumentOf(node) {
    if (node.localName !== "iframe" && node.localName !== "frame" && node.localName !== "object") return null;
    try {
      return node.contentDocument;
    } catch (error) {
      return null;
    }
  }

  return { ok: { url: doc.URL, root: element(doc.documentElement, false) } };
}
