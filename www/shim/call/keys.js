/**
 * The agent's keys and text (RemoteInput Key and Text), acted out on the focused element as the visitor's
 * keyboard would: keydown, keypress for a character, what the key does by default, keyup.
 *
 * A synthetic key event does nothing by itself in a browser, so the default actions are done here: a
 * printable key types its character into a text field (typing.js), Backspace deletes, Enter submits the
 * field's form (requestSubmit, so the form's submit handlers and validation run) or activates a button or
 * link, Tab and Shift+Tab move the focus (focus.js), Space clicks a checkbox, radio or button, ArrowUp and
 * ArrowDown change a select's choice, and the four arrows move a radio group's choice (wrapping around, as
 * browsers do). A page that cancels the keydown keeps the default from happening.
 *
 * A masked field (the recorder hides its value from the agent) is the visitor's alone: the agent can only
 * Tab out of it; anything else is refused.
 */

import { isOurs } from "./find.js";
import { moveFocus } from "./focus.js";
import { deleteBackward, insertLineBreak, insertText, isField, isTextField } from "./typing.js";

/** The bits of a Key's modifiers (protocol/src/call.rs, `modifiers`). */
const SHIFT = 1;
const CTRL = 2;
const ALT = 4;
const META = 8;

export const MASKED = "this field is masked: only the visitor can type in it";
export const OURS = "the focus is on the visitor's cobrowse controls: only the visitor can use them";

/** Whether `element` is activated by Enter (a button or link) or by Space (a button, checkbox or radio). */
const ENTER_ACTIVATES = /^(BUTTON|A|SUMMARY)$/;
const SPACE_CLICKS = ["checkbox", "radio", "button", "submit", "reset", "image"];

/** What a key in focus does, before any event: a refusal's reason, or null to go on. */
function refusal(target, key, mayType) {
  if (isOurs(target)) return OURS;
  if (isField(target) && !mayType(target) && key !== "Tab") return MASKED;
  return null;
}

/** Dispatches a key event of `type` on `target`; whether the page let its default happen. */
function keyEvent(type, target, key, modifiers) {
  const init = {
    key,
    bubbles: true,
    cancelable: true,
    composed: true,
    shiftKey: Boolean(modifiers & SHIFT),
    ctrlKey: Boolean(modifiers & CTRL),
    altKey: Boolean(modifiers & ALT),
    metaKey: Boolean(modifiers & META),
  };
  return target.dispatchEvent(new KeyboardEvent(type, init));
}

/** A select's choice moved by `step`, with the events a visitor's choice makes. */
export function stepSelect(select, step) {
  const index = Math.min(select.options.length - 1, Math.max(0, select.selectedIndex + step));
  if (index === select.selectedIndex) return;
  select.selectedIndex = index;
  select.dispatchEvent(new Event("input", { bubbles: true }));
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

/** The enabled radios of `radio`'s group (the same name in the same form), in document order. */
function radioGroup(radio) {
  if (!radio.name) return [radio];
  const radios = radio.ownerDocument.querySelectorAll('input[type="radio"]');
  return Array.from(radios).filter((other) => other.name === radio.name && other.form === radio.form && !other.disabled);
}

/** An arrow on a radio: the next (or previous) radio of its group is focused and chosen, as a visitor's is. */
export function stepRadio(radio, step) {
  const group = radioGroup(radio);
  const index = group.indexOf(radio);
  const next = group[(index + step + group.length) % group.length];
  if (!next || next === radio) return;
  next.focus();
  next.click();
}

/** Enter on `target`: submits a field's form, activates a button or link, breaks a text area's line. */
function enter(target) {
  if (target.tagName === "TEXTAREA" || target.isContentEditable) return insertLineBreak(target);
  if (target.tagName === "INPUT" && target.form) {
    if (!["checkbox", "radio", "button", "reset", "file"].includes(target.type)) return target.form.requestSubmit();
  }
  if (ENTER_ACTIVATES.test(target.tagName) || target.getAttribute("role") === "button") target.click();
}

/** The default action of a key that is not a character. */
function defaultAction(target, key, modifiers) {
  const step = { ArrowUp: -1, ArrowDown: 1 }[key];
  const radioStep = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1 }[key];
  if (radioStep && target.tagName === "INPUT" && target.type === "radio") stepRadio(target, radioStep);
  else if (key === "Tab") moveFocus(Boolean(modifiers & SHIFT));
  else if (key === "Enter") enter(target);
  else if (key === "Backspace" && isTextField(target)) deleteBackward(target);
  else if (step && target.tagName === "SELECT") stepSelect(target, step);
  else if (step || key === "PageDown" || key === "PageUp") {
    const page = key.startsWith("Page") ? window.innerHeight * 0.85 : 40;
    if (!isTextField(target)) window.scrollBy(0, (step || (key === "PageDown" ? 1 : -1)) * page);
  }
}

/** Whether `key` types a character (one character, without Ctrl or Meta). */
function isPrintable(key, modifiers) {
  return Array.from(key).length === 1 && !(modifiers & (CTRL | META));
}

/**
 * Presses and releases `key` with `modifiers` on the focused element. `mayType(field)`: whether the agent
 * may type in it (not masked). Returns null, or why the key was refused.
 */
export function pressKey(key, modifiers, mayType) {
  const target = document.activeElement || document.body;
  const refused = refusal(target, key, mayType);
  if (refused) return refused;
  if (keyEvent("keydown", target, key, modifiers)) {
    const printable = isPrintable(key, modifiers);
    const clicks = key === " " && (target.tagName === "BUTTON" || SPACE_CLICKS.includes(target.type));
    if (clicks) target.click();
    else if (printable && keyEvent("keypress", target, key, modifiers) && isTextField(target)) insertText(target, key);
    else if (!printable) defaultAction(target, key, modifiers);
  }
  keyEvent("keyup", target, key, modifiers);
  return null;
}

/** Types `text` at once into the focused field (a paste). Returns null, or why it was refused. */
export function typeText(text, mayType) {
  const target = document.activeElement;
  if (!target || !isTextField(target)) return "nothing to type in: click a text field first";
  const refused = refusal(target, "", mayType);
  if (refused) return refused;
  insertText(target, text);
  return null;
}
