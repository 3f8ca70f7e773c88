// The browser's own deflate for a snapshot (see visitor-wasm/src/connection/browser_deflate.rs): the bytes
// are written straight into a CompressionStream('deflate-raw') and its output read back with the stream's
// own reader. Writing to the stream's writer is several times quicker than a Blob's stream (whose bytes go
// to the browser's blob store and back), and reading with the reader settles in microtasks, within the task
// that took the snapshot: the frame waits behind no other task of a busy page (`new Response(readable)`
// took one task more, 15 to 35 ms on a page still loading). `bytes` is a view of the wasm's memory: it is
// copied first, as the stream reads it later. Returns a promise of the deflated ArrayBuffer (or of null if
// the browser failed: it never rejects), or null where the browser has no CompressionStream or no
// 'deflate-raw' format (the wasm then uses its own encoder).

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
  return readAll(stream.readable.getReader()).catch(() => null);
}

/** Every chunk `reader` gives, joined into one ArrayBuffer. */
async function readAll(reader) {
  const chunks = [];
  for (let read; !(read = await reader.read()).done; ) chunks.push(read.value);
  const whole = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  chunks.reduce((at, chunk) => (whole.set(chunk, at), at + chunk.length), 0);
  return whole.buffer;
}
