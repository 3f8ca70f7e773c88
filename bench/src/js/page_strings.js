// The floor of any snapshot that reads the page's DOM: the strings such a snapshot must carry, read by a
// bare walk in JS and nothing else. Each element's local name and its attributes' names and values, each
// text's and comment's data, in document order, into open shadow roots. Left out, as a snapshot leaves
// them out: a <script>'s text and event handler attributes (on...); and, for a lower floor, never a higher
// one, frames' documents. No ids, no structure, no masking, no URLs made absolute. Timed alone, and with the
// browser's deflate of them, in the `snapshot` section; deflated, in the `bytes` section: no serializer
// that reads the DOM and compresses with CompressionStream can beat these figures.
function pageStrings() {
  var strings = [];
  (function walk(parent) {
    for (var node = parent.firstChild; node; node = node.nextSibling) {
      var type = node.nodeType;
      if (type === 1) {
        strings.push(node.localName);
        var attributes = node.attributes;
        for (var i = 0; i < attributes.length; i++) {
          var name = attributes[i].name;
          if (name.lastIndexOf('on', 0) !== 0) strings.push(name, attributes[i].value);
        }
        if (node.shadowRoot) walk(node.shadowRoot);
        if (node.localName !== 'script') walk(node);
      } else if (type === 3 || type === 8) {
        strings.push(node.data);
      }
    }
  })(document);
  return strings;
}

// The page's strings joined by NUL, as UTF-8, deflated by the browser as the visitor deflates a snapshot
// (visitor-wasm/js/deflate.js: written to a CompressionStream('deflate-raw'), read with its reader): a
// promise of the deflated bytes' count. Below `smallBytes` (the size under which the visitor deflates
// with its own encoder in the wasm, in a few microseconds) the strings are not deflated: the floor there is
// the read alone, lower than any snapshot's.
function pageStringsDeflated(smallBytes) {
  var bytes = new TextEncoder().encode(pageStrings().join('\0'));
  if (bytes.length < (smallBytes || 0)) return Promise.resolve(bytes.length);
  var stream = new CompressionStream('deflate-raw');
  var writer = stream.writable.getWriter();
  writer.write(bytes);
  writer.close();
  var reader = stream.readable.getReader();
  var size = 0;
  function next(read) {
    if (read.done) return size;
    size += read.value.length;
    return reader.read().then(next);
  }
  return reader.read().then(next);
}
