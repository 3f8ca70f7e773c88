/**
 * Typing into a field for remote control, the way the browser does it for the visitor's keys.
 *
 * Frameworks keep a field's value in their own state and listen to `input` events (React also wraps the
 * element's own `value` property to tell its changes from script apart). So text is set through the
 * prototype's native `value` setter, at the caret, and an InputEvent (`insertText`,
 * `deleteContentBackward`, `insertLineBreak`) follows, after a cancelable `beforeinput`; `change` follows
 * when the field loses the focus, as after the visitor's own typing.
 */

/** Input types whose value is text the visitor types. */
const TEXT_TYPES = ["text", "search", "url", "tel", "email", "password", "number"];

/** Whether `element` is a field the visitor types text into (not read-only or disabled). */
export function isTextField(element) {
  if (!element || element.disabled || element.readOnly) return false;
  if (element.isContentEditable) return true;
  if (element.tagName === "TEXTAREA") return true;
  return element.tagName === "INPUT" && TEXT_TYPES.includes(element.type);
}

/** Whether `element` is any form field (its value is what the visitor enters). */
export function isField(element) {
  return Boolean(element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName)));
}

const changed = new WeakSet(); // fields that get a `change` when they lose the focus

/** Dispatches `change` on `field` when it loses the focus, once per edit. */
function changeOnBlur(field) {
  if (changed.has(field)) return;
  changed.add(field);
  field.addEventListener(
    "blur",
    () => {
      changed.delete(field);
      field.dispatchEvent(new Event("change", { bubbles: true }));
    },
    { once: true },
  );
}

/** The prototype's own `value` setter of a field (never a wrapper a framework put on the element). */
function setValue(field, value) {
  const prototype = field.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(prototype, "value").set.call(field, value);
}

/** The caret or selection of a field, [start, end] (the end of the value where the type has none). */
function selectionOf(field) {
  const end = field.value.length;
  const start = field.selectionStart ?? end;
  return [start, field.selectionEnd ?? start];
}

function setCaret(field, at) {
  try {
    field.setSelectionRange(at, at);
  } catch {
    // email and number inputs have no caret to set: the text went to their end
  }
}

/** Replaces the field's selection with `text` (empty: deletes `before` characters before the caret). */
function edit(field, text, inputType, before) {
  const data = inputType === "insertText" ? text : null;
  const init = { bubbles: true, cancelable: true, composed: true, inputType, data };
  if (!field.dispatchEvent(new InputEvent("beforeinput", init))) return false;
  if (field.isContentEditable) {
    document.execCommand(text ? "insertText" : "delete", false, text);
    return true;
  }
  const value = field.value;
  const [caret, end] = selectionOf(field);
  const start = caret === end ? Math.max(0, caret - before) : caret;
  let inserted = text;
  if (field.maxLength >= 0) inserted = inserted.slice(0, Math.max(0, field.maxLength - value.length + end - start));
  setValue(field, value.slice(0, start) + inserted + value.slice(end));
  setCaret(field, start + inserted.length);
  field.dispatchEvent(new InputEvent("input", { ...init, cancelable: false }));
  changeOnBlur(field);
  return true;
}

/** Types `text` into `field` at its caret, as one insertion. */
export function insertText(field, text) {
  const lines = field.tagName === "INPUT" ? text.replace(/[\r\n]+/g, " ") : text;
  return edit(field, lines, "insertText", 0);
}

/** Backspace in `field`: deletes the selection, or the character before the caret. */
export function deleteBackward(field) {
  return edit(field, "", "deleteContentBackward", 1);
}

/** Enter in a text area: a line break. */
export function insertLineBreak(field) {
  return edit(field, "\n", "insertLineBreak", 0);
}
