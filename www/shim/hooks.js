/**
 * The hooks: the helpers the recorder (the wasm module) calls through the object it is given at start.
 *
 * Some page state is cheaper to read in JS than through wasm-bindgen (one string or one array crosses
 * instead of many calls), and some needs JS (try/catch around cross-origin reads). The method names and
 * what each returns are what visitor-wasm/src/page/hooks.rs declares; pristine.js adds hooks.MutationObserver
 * (visitor-wasm/src/pristine.rs). A hook the recorder cannot find or that throws answers nothing there.
 */

import { glFrames } from "./patches.js";

/**
 * The cssText of each rule of a sheet, joined by NUL (one string crossing into wasm); null if the sheet
 * cannot be read (cross-origin). A loop, not `map` over the CSSRuleList and `join`: a third quicker.
 */
function rulesText(sheet) {
  try {
    const rules = sheet.cssRules;
    let text = rules.length ? rules[0].cssText : "";
    for (let index = 1; index < rules.length; index++) text += "\0" + rules[index].cssText;
    return text;
  } catch {
    return null;
  }
}

export const hooks = {
  rules: rulesText,
  /**
   * A <style>'s rules when they differ from what its text gives (edited through the CSSOM), else null. A
   * sheet with an @import always differs (a constructed sheet drops @import, with a console warning each
   * time): it is answered as is, without parsing its text again. Where constructed sheets are missing,
   * `new CSSStyleSheet()` throws, and the recorder takes that as no answer.
   */
  editedRules(style) {
    const sheet = style.sheet;
    const live = sheet && rulesText(sheet);
    if (!live || live.includes("@import")) return live || null;
    const parsed = (this.parser ||= new CSSStyleSheet());
    try {
      parsed.replaceSync(style.textContent);
    } catch {
      return live;
    }
    return rulesText(parsed) === live ? null : live;
  },
  /**
   * The constructed sheet editedRules parses each text into, made once: making one took about 5 µs, half
   * as long as parsing a five-rule style's text into it.
   */
  parser: null,
  /**
   * The constructed sheets adopted by a document or shadow root, as rulesText each, joined by SOH. Asked
   * for at every snapshot, where almost every root has none: an empty list is answered without a map.
   */
  adopted(root) {
    const sheets = root.adoptedStyleSheets;
    return sheets && sheets.length ? Array.prototype.map.call(sheets, rulesText).join("\u0001") : "";
  },
  /** A media element's [currentTime in ms, paused, muted, volume %, playbackRate %]. */
  media(media) {
    return [
      Math.round(media.currentTime * 1000) || 0,
      media.paused ? 1 : 0,
      media.muted ? 1 : 0,
      Math.round(media.volume * 100),
      Math.round(media.playbackRate * 100),
    ];
  },
  /** A canvas's pixels as a PNG data URL; null when it is empty or tainted by cross-origin images. */
  canvas(canvas) {
    try {
      const kept = glFrames.get(canvas);
      return kept ? kept[1] : canvas.width && canvas.height ? canvas.toDataURL() : null;
    } catch {
      return null;
    }
  },
  /** Whether a dialog is shown modal. */
  modal(dialog) {
    try {
      return dialog.matches(":modal");
    } catch {
      return false;
    }
  },
  /** The document's selection as [anchorNode, anchorOffset, focusNode, focusOffset], or null. */
  selection(doc) {
    const selection = doc.getSelection();
    if (!selection || !selection.rangeCount || selection.isCollapsed) return null;
    return [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset];
  },
};
