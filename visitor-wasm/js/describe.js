// What one DOM node holds, read in one call from the wasm (see visitor-wasm/src/tree/describe.rs): every
// getter the serializer needs (node type, tag, namespace, attributes, text, open shadow root, the masking
// selectors' match) would otherwise be a call of its own across the wasm/JS boundary, and each attribute
// three more. The answer is one string, ending with one character that says what the node is (the wasm
// takes it off without copying the rest):
// - an element: its local name, then for each attribute NUL, its name, NUL, its value; last one character,
//   64 + flags (1: an HTMLElement of this realm, 2: matches `flagged`, 4: has an open shadow root,
//   8: attributes left out, 16: in the SVG namespace, 32: in the HTML namespace, 64: scrolled away from its
//   origin, which the sliced walk finds here instead of in a scan of the whole page; read only for the
//   elements in `scrolled` (the shim's set of elements scrolled, www/shim/scrolls.js) unless it is
//   undefined: reading an offset costs as much as the rest of an element). The attributes are left
//   out (flag 8) unless `content` is true, and always for an element matching `flagged` or an input,
//   textarea or select (their masking may hide content), and when a value holds a NUL or a name is not
//   found by `getAttribute` (the wasm then reads them one by one);
// - a text or CDATA node: its text if `content` is true, then "1";
// - a comment: "2"; a doctype: "3"; anything else: "0".
// The attributes are read by name (`getAttributeNames`, then `getAttribute`), not through `attributes`: that
// makes the browser create an `Attr` node for every attribute, which the element then keeps for the rest
// of the page's life. A session's start on a 100,000-element page grew the browser's own heap by 36 MB
// that way, and by 18 MB so (the time is the same). Two attributes with one qualified name, which only
// `setAttributeNS` can make, both read as the first one's value: the mirror, which sets attributes by
// qualified name, could not hold both anyway. A name `getAttribute` cannot find (an HTML element's name
// with capitals, set by `setAttributeNS`: the name asked for is lower-cased) leaves the attributes to the
// wasm, as a value holding a NUL does.
// attributesOf(element): the element's attributes in the same form (for each, NUL, its name, NUL, its value),
// or null where describe would leave them out for a NUL or a name `getAttribute` cannot find. The wasm asks
// for them in one call for an element whose attributes describe left out (an input, textarea or select, or
// one matching `flagged`) once it has decided that the element's masking masks nothing: most form fields
// are not secret, and read one by one their attributes cost three calls each.
// With `id` not 0, the node is also given that value in `ids` (the wasm's WeakMap of node ids, see
// tree/ids.rs), sparing the wasm one more call per node; the wasm corrects it where it decides otherwise.
// Only the wasm decides what is masked: `content` is false wherever content might be masked, so masked
// content is never read here.
const SVG = 'http://www.w3.org/2000/svg';
const HTML = 'http://www.w3.org/1999/xhtml';

export function describe(node, flagged, content, ids, id, scrolled) {
  const type = node.nodeType;
  if (id && (type === 1 || type === 3 || type === 4 || type === 8 || type === 10)) ids.set(node, id);
  switch (type) {
    case 1: return element(node, flagged, content, scrolled);
    case 3: case 4: return content ? node.nodeValue + '1' : '1';
    case 8: return '2';
    case 10: return '3';
    default: return '0';
  }
}

function element(node, flagged, content, scrolled) {
  let matched;
  try { matched = node.matches(flagged); } catch { matched = true; }
  const tag = node.localName;
  const namespace = node.namespaceURI;
  let flags = (node instanceof HTMLElement ? 1 : 0) | (matched ? 2 : 0) | (node.shadowRoot ? 4 : 0)
    | (namespace === SVG ? 16 : 0) | (namespace === HTML ? 32 : 0) | ((!scrolled || scrolled.has(node)) && (node.scrollTop || node.scrollLeft) ? 64 : 0);
  let attributes = null;
  if (content && !matched && tag !== 'input' && tag !== 'textarea' && tag !== 'select') attributes = attributesOf(node);
  if (attributes === null) flags |= 8;
  return tag + (attributes ?? '') + String.fromCharCode(64 + flags);
}

export function attributesOf(node) {
  let attributes = '';
  const names = node.getAttributeNames();
  for (let index = 0; index < names.length; index++) {
    const name = names[index];
    const value = node.getAttribute(name);
    if (value === null || value.indexOf('\0') >= 0) return null;
    attributes += '\0' + name + '\0' + value;
  }
  return attributes;
}
