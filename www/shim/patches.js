/**
 * The prototype patches: how the recorder hears of what no MutationObserver reports.
 *
 * A value set from script, a stylesheet edited through the CSSOM, a constructed sheet adopted, a dialog
 * shown modal, a canvas drawn on, a shadow root attached: none of these makes a mutation record. Small
 * patches to DOM prototypes, installed once when the shim loads (so they also see what the page does before
 * a session starts), call changed(kind, target), which is passed to the recorder while a session runs.
 * The kinds and their targets are listed in visitor-wasm/src/changes.rs.
 *
 * WebGL canvases also have their frames kept here (see keepGlFrame), for hooks.canvas.
 */

/** The recorder (the wasm module) while a session runs, else null; the session sets it. */
export let recorder = null;

export function setRecorder(module) {
  recorder = module;
}

/** The last frame of WebGL canvases that do not preserve their drawing buffer: canvas → [time, PNG data URL]. */
export const glFrames = new WeakMap();
const glPending = [];

/** Tells the recorder, while a session runs; its errors are rethrown apart, never to the page's call. */
function changed(kind, target) {
  if (recorder) {
    try {
      recorder.changed(kind, target);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }
}

/** Calls after(this) after every call of each method proto[name] of names (navigation.js uses it too). */
export function afterMethods(proto, names, after) {
  names.forEach((name) => {
    const original = proto?.[name];
    if (typeof original !== "function") return;
    proto[name] = function () {
      const result = original.apply(this, arguments);
      after(this);
      return result;
    };
  });
}

/** An after function for afterMethods: changed(kind, this). */
function report(kind) {
  return (target) => changed(kind, target);
}

/** Calls changed(kind, this) after every assignment to proto[name] (an accessor property). */
function afterSetter(proto, name, kind) {
  const descriptor = proto && Object.getOwnPropertyDescriptor(proto, name);
  if (!descriptor || !descriptor.set || !descriptor.configurable) return;
  Object.defineProperty(proto, name, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get: descriptor.get,
    set(value) {
      descriptor.set.call(this, value);
      changed(kind, this);
    },
  });
}

/** The sheet a CSSOM call changed: the top one, for a rule or an imported sheet. */
function topSheet(target) {
  let sheet = target instanceof CSSRule ? target.parentStyleSheet : target;
  while (sheet && sheet.parentStyleSheet) sheet = sheet.parentStyleSheet;
  return sheet;
}

function sheetChanged(target) {
  changed("sheet", topSheet(target));
}

function drawn(context) {
  changed("canvas", context.canvas);
}

function drawnGl(context) {
  keepGlFrame(context);
  drawn(context);
}

// A WebGL canvas whose context was made before the shim (without preserveDrawingBuffer) is blank once its
// frame is shown, so its pixels are taken when the task that drew ends, before the frame is shown: at most
// every 150 ms while a session runs, every 2 s otherwise (a scene drawn before the session).
function keepGlFrame(context) {
  const canvas = context.canvas,
    kept = glFrames.get(canvas),
    attributes = context.getContextAttributes();
  if (glPending.includes(canvas) || (attributes && attributes.preserveDrawingBuffer)) return;
  if (kept && Date.now() - kept[0] < (recorder ? 150 : 2000)) return;
  glPending.push(canvas);
  queueMicrotask(() => {
    glPending.splice(glPending.indexOf(canvas), 1);
    try {
      glFrames.set(canvas, [Date.now(), canvas.toDataURL()]);
    } catch {
      // Tainted by a cross-origin image: unreadable, so hooks.canvas answers null for it.
    }
  });
}

/** Installs every patch, once, when the shim loads. */
export function installPatches() {
  // Form state set from script, which fires no event.
  [
    [window.HTMLInputElement, ["value", "checked"]],
    [window.HTMLTextAreaElement, ["value"]],
    [window.HTMLSelectElement, ["value", "selectedIndex"]],
    [window.HTMLOptionElement, ["selected"]],
  ].forEach(([type, names]) => names.forEach((name) => afterSetter(type?.prototype, name, "form")));
  // Dialogs shown modal or closed.
  afterMethods(window.HTMLDialogElement?.prototype, ["showModal", "close"], report("modal"));
  // Stylesheets edited through the CSSOM (also inside @media and other grouping rules), and adopted.
  afterMethods(
    window.CSSStyleSheet?.prototype,
    ["insertRule", "deleteRule", "replaceSync", "addRule", "removeRule"],
    sheetChanged,
  );
  afterMethods(window.CSSGroupingRule?.prototype, ["insertRule", "deleteRule"], sheetChanged);
  const replace = window.CSSStyleSheet?.prototype.replace;
  if (replace) {
    CSSStyleSheet.prototype.replace = function () {
      const sheet = this;
      return replace.apply(this, arguments).then((result) => {
        changed("sheet", sheet);
        return result;
      });
    };
  }
  afterSetter(Document.prototype, "adoptedStyleSheets", "adopted");
  afterSetter(window.ShadowRoot?.prototype, "adoptedStyleSheets", "adopted");
  // Drawing on a canvas: the recorder looks at its pixels soon after (and at least every half second).
  afterMethods(
    window.CanvasRenderingContext2D?.prototype,
    ["clearRect", "fillRect", "strokeRect", "fill", "stroke", "fillText", "strokeText", "drawImage", "putImageData"],
    drawn,
  );
  [window.WebGLRenderingContext, window.WebGL2RenderingContext].forEach((gl) => {
    afterMethods(gl?.prototype, ["clear", "drawArrays", "drawElements"], drawnGl);
  });
  // WebGL canvases made from now on keep their last frame readable, so the agent can be sent it.
  const getContext = window.HTMLCanvasElement?.prototype.getContext;
  if (getContext) {
    HTMLCanvasElement.prototype.getContext = function (type, options) {
      if (/webgl/.test(type)) options = Object.assign({}, options, { preserveDrawingBuffer: true });
      return getContext.call(this, type, options);
    };
  }
  // Shadow roots attached (see visitor-wasm/src/shadow.rs).
  afterMethods(window.Element?.prototype, ["attachShadow"], report("shadow"));
}
