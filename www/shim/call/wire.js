/**
 * The support call's wire codec: the call's control messages (and the asset uploader's AssetOffer and
 * AssetWanted, which travel the same way), decoded and encoded by hand in postcard.
 *
 * Why here and not in the wasm: the visitor's first download has a budget, and the call is needed only once
 * an agent joins, so the recorder hands the call's messages over as bytes (emit("call", Uint8Array)) and
 * this lazily loaded module reads them. The contract is protocol/src/control.rs (Control, variants 12..=26,
 * 28, 30 and 31) and protocol/src/call.rs (RemoteInput); protocol/tests/call_wire.json holds golden bytes that
 * both the Rust types and this codec are tested against.
 *
 * Postcard: an enum is its variant index as a varint, then its fields in order; u32 a varint (7 bits a
 * byte, low first); i32 a zigzag varint; u8 one byte; bool one byte 0/1; String a length varint then UTF-8;
 * Option 0, or 1 then the value; Vec a length varint then its items.
 * A message is {type, ...fields}, e.g. {type: "Pointer", agent: 1, at: {x, y} | null}; an Input's `input`
 * is {type: "Click", node, at} and so on.
 */

const utf8 = new TextDecoder("utf-8", { fatal: true });
const toUtf8 = new TextEncoder();

/** A reader of postcard values off the front of `bytes`; each read throws once the bytes are malformed. */
function reader(bytes) {
  let at = 0;
  const byte = () => {
    if (at >= bytes.length) throw new Error("truncated call message");
    return bytes[at++];
  };
  const u32 = () => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const next = byte();
      if (shift === 28 && next > 0x0f) break;
      value += (next & 0x7f) * 2 ** shift;
      if (next < 0x80) return value;
    }
    throw new Error("bad varint in call message");
  };
  const i32 = () => {
    const zigzag = u32();
    return zigzag % 2 ? -(zigzag + 1) / 2 : zigzag / 2;
  };
  const bool = () => {
    const value = byte();
    if (value > 1) throw new Error("bad bool in call message");
    return value === 1;
  };
  const string = () => {
    const length = u32();
    if (at + length > bytes.length) throw new Error("truncated call message");
    at += length;
    return utf8.decode(bytes.subarray(at - length, at));
  };
  const point = () => ({ x: i32(), y: i32() });
  const list = (item) => {
    const length = u32();
    if (length > bytes.length - at) throw new Error("truncated call message"); // each item takes a byte at least
    return Array.from({ length }, item);
  };
  return { byte, u32, bool, string, point, list };
}

/** RemoteInput's variants, by index. */
const INPUTS = [
  (r) => ({ type: "Click", node: r.u32(), at: r.point() }),
  (r) => ({ type: "Key", key: r.string(), modifiers: r.byte() }),
  (r) => ({ type: "Text", text: r.string() }),
  (r) => ({ type: "Scroll", to: r.point() }),
  (r) => ({ type: "ScrollElement", node: r.u32(), at: r.point(), to: r.point() }),
  (r) => ({ type: "Select", node: r.u32(), at: r.point(), index: r.u32() }),
];

function remoteInput(r) {
  const read = INPUTS[r.u32()];
  if (!read) throw new Error("unknown remote input");
  return read(r);
}

/** The call messages a visitor receives, by Control variant index (ControlRefused is read too, for tests). */
const MESSAGES = {
  12: (r) => ({ type: "ConsentAsked", agent: r.u32(), name: r.string() }),
  16: (r) => ({ type: "Agents", agents: r.list(() => ({ agent: r.u32(), name: r.string() })) }),
  17: (r) => ({ type: "Pointer", agent: r.u32(), at: r.bool() ? r.point() : null }),
  18: (r) => ({ type: "Highlight", agent: r.u32(), node: r.u32(), at: r.point() }),
  19: (r) => ({ type: "Draw", agent: r.u32(), start: r.bool(), points: r.list(r.point) }),
  20: (r) => ({ type: "ControlRequest", agent: r.u32(), name: r.string() }),
  22: (r) => ({ type: "ControlHolder", agent: r.u32() }),
  24: (r) => ({ type: "ControlRefused", agent: r.u32(), reason: r.string() }),
  25: (r) => ({ type: "Input", agent: r.u32(), input: remoteInput(r) }),
  26: (r) => ({ type: "Withdrawn", agent: r.u32() }),
  31: (r) => ({ type: "AssetWanted", url: r.string() }), // for the asset uploader, which the call starts
};

/** Decodes a call message's payload (a Uint8Array); null if it is malformed or not one a visitor reads. */
export function decode(bytes) {
  try {
    const r = reader(bytes);
    const read = MESSAGES[r.u32()];
    return read ? read(r) : null;
  } catch {
    return null;
  }
}

/** The frame header (protocol/src/frame.rs): the protocol version, then the frame kind (3: control). */
const VERSION = 3;
const CONTROL = 3;

/** Decodes a whole frame (an ArrayBuffer or Uint8Array: header, then payload) the relay sent; null unless it
 * is a call message a visitor reads. */
export function decodeFrame(frame) {
  const bytes = new Uint8Array(frame);
  return bytes[0] === VERSION && bytes[1] === CONTROL ? decode(bytes.subarray(2)) : null;
}

/** A writer of postcard values; `bytes()` is what was written. */
function writer() {
  const out = [];
  const u32 = (value) => {
    while (value >= 0x80) {
      out.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    out.push(value);
  };
  const string = (text) => {
    const bytes = toUtf8.encode(text);
    u32(bytes.length);
    out.push(...bytes);
  };
  return { u32, string, bool: (value) => out.push(value ? 1 : 0), bytes: () => Uint8Array.from(out) };
}

/** The call messages a visitor sends, by type: their Control variant index and fields. */
const SENT = {
  ConsentAnswer: [13, (w, m) => (w.u32(m.agent), w.bool(m.allow))],
  ControlAnswer: [21, (w, m) => (w.u32(m.agent), w.bool(m.allow))],
  ControlRelease: [23, () => {}],
  ControlRefused: [24, (w, m) => (w.u32(m.agent), w.string(m.reason))],
  Dismiss: [28, (w, m) => w.u32(m.agent)],
  AssetOffer: [30, (w, m) => (w.string(m.url), w.string(m.sha256))],
};

/** Encodes a message the visitor sends ({type, ...fields}) into its payload, a Uint8Array. */
export function encode(message) {
  const [index, fields] = SENT[message.type] || [];
  if (index === undefined) throw new Error("a visitor does not send " + message.type);
  const w = writer();
  w.u32(index);
  fields(w, message);
  return w.bytes();
}
