// The call's wire codec (www/shim/call/wire.js) against the golden bytes of protocol/tests/call_wire.json,
// which protocol/tests/call_wire.rs checks against the Rust types: what the relay encodes, this decodes, and
// what this encodes, the relay decodes.
import fixture from "../../../../protocol/tests/call_wire.json";
import { decode, decodeFrame, encode } from "../../call/wire.js";

/** serde's JSON of a Control ({"Pointer": {...}}, or "ControlRelease") as the codec's {type, ...fields}. */
function asMessage(json) {
  if (typeof json === "string") return { type: json };
  const [type, fields] = Object.entries(json)[0];
  const message = { type, ...fields };
  if (message.input) message.input = asMessage(message.input);
  return message;
}

const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (pair) => parseInt(pair, 16));
const hexOf = (array) => Array.from(array, (byte) => byte.toString(16).padStart(2, "0")).join("");

const RECEIVED = ["ConsentAsked", "Agents", "Pointer", "Highlight", "Draw", "ControlRequest", "ControlHolder", "AssetWanted"];
const RECEIVED_TOO = ["ControlRefused", "Input", "Withdrawn"];
const SENT = ["ConsentAnswer", "ControlAnswer", "ControlRelease", "ControlRefused", "Dismiss", "AssetOffer"];

describe("the call's wire codec", () => {
  it("has golden bytes for every message", () => {
    expect(fixture.length).toBeGreaterThan(20);
    fixture.forEach(({ name, hex }) => expect(hex, name).toMatch(/^([0-9a-f]{2})+$/));
  });

  it("decodes what the relay sends a visitor as the Rust types encode it", () => {
    const received = fixture.filter(({ message }) => [...RECEIVED, ...RECEIVED_TOO].includes(asMessage(message).type));
    expect(received.length).toBeGreaterThan(15);
    received.forEach(({ name, hex, message }) => expect(decode(bytes(hex)), name).toEqual(asMessage(message)));
  });

  it("encodes what a visitor sends as the Rust types encode it", () => {
    const sent = fixture.filter(({ message }) => SENT.includes(asMessage(message).type));
    expect(sent.length).toBeGreaterThanOrEqual(6);
    sent.forEach(({ name, hex, message }) => expect(hexOf(encode(asMessage(message))), name).toBe(hex));
  });

  it("gives null for what is malformed, cut short or not for visitors", () => {
    fixture.forEach(({ name, hex, message }) => {
      if (!RECEIVED.includes(asMessage(message).type)) return;
      const whole = bytes(hex);
      for (let cut = 0; cut < whole.length; cut++) expect(decode(whole.subarray(0, cut)), name + " cut").toBeNull();
    });
    expect(decode(bytes("0d0101"))).toBeNull(); // ConsentAnswer: the visitor's own
    expect(decode(bytes("1c01"))).toBeNull(); // Dismiss: the visitor's own
    expect(decode(bytes("1b"))).toBeNull(); // past the call's messages
    expect(decode(bytes("1101020406"))).toBeNull(); // Pointer with an Option byte of 2
    expect(decode(bytes("0c0102c328"))).toBeNull(); // ConsentAsked with a name that is not UTF-8
    expect(decode(bytes("1901010fff"))).toBeNull(); // Draw with more points than bytes
  });

  it("reads whole control frames, and nothing from other frames", () => {
    expect(decodeFrame(bytes("0303" + "1a01").buffer)).toEqual({ type: "Withdrawn", agent: 1 });
    expect(decodeFrame(bytes("0302" + "1a01").buffer)).toBeNull(); // a delta's kind
    expect(decodeFrame(bytes("0903" + "1a01").buffer)).toBeNull(); // another protocol version
    expect(decodeFrame("text")).toBeNull();
  });

  it("refuses to encode what a visitor never sends", () => {
    expect(() => encode({ type: "Pointer", agent: 1, at: null })).toThrow(/does not send Pointer/);
  });
});
