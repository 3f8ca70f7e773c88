// The browser's own deflate for a snapshot (see visitor-wasm/src/connection/browser_deflate.rs): the bytes
// are written straight into a CompressionStream('deflate-raw') and its output read back whole. Writing to
// the stream's writer is several times quicker than a Blob's stream (whose bytes go to the browser's blob
// store and back), and it keeps the snapshot's frame from waiting behind other work on a busy page.
// `bytes` is a view of the wasm's memory: it is copied first, as the stream reads it later. Returns a promise
// of the deflated ArrayBuffer (or of null if the browser failed: it never rejects), or null where the browser
// has no CompressionStream or no 'deflate-raw' format (the wasm then uses its own encoder).

export function deflateRaw(bytes) {
  let stream;
  try {
    stream = new CompressionStream('deflate-raw');
  } catch {
    return null;
  }
  const writer = stream.writable.getWriter();
  writer.write(bytes.slice()).catch(() => {});
  writer.close().catch(() => {});
  return new Response(stream.readable).arrayBuffer().catch(() => null);
}
