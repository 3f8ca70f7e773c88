/*! cobrowse.js: the shim a site embeds to let its visitors share their page with a support agent.
 *
 *   <script src="https://RELAY/cobrowse.js" data-site="SITE_ID" async></script>
 *
 * It stays tiny: the recorder (a wasm module) is imported from the relay only when a session starts,
 * on a click on any [data-cobrowse-start] element, on Shift+Enter (unless data-hotkey="off"), or on
 * Cobrowse.start(). API: Cobrowse.start() -> Promise<key>, Cobrowse.stop(), Cobrowse.on(event, cb)
 * with events started {key}, agentjoined {name, agents}, agentleft {name, agents}, ended {reason},
 * error {message}.
 *
 * The widget is built with DOM APIs and styled only by classes from cobrowse.css: no inline styles, so a
 * page whose CSP forbids them shows it unbroken. It carries data-cobrowse-ignore: it is never mirrored.
 */
(function () {
  "use strict";
  if (window.Cobrowse) return;
  var script = document.currentScript || document.querySelector('script[src$="cobrowse.js"][data-site]');
  if (!script) return;
  var base = new URL(".", script.src).href.replace(/\/$/, "");
  var site = script.getAttribute("data-site") || "";
  var listeners = {};
  var visitor = null; // Promise of the loaded wasm module
  var session = null; // Promise of the key, while a session starts or runs
  var widget = null;
  var stylesheet = null;
  var recorder = null; // the wasm module, while a session runs
  var stopAssets = null; // stops uploadAssets, while a session runs

  // What no MutationObserver reports (a value set from script, a stylesheet edited through the CSSOM, a
  // shadow root attached, ...) is reported by small patches to DOM prototypes, installed once below:
  // each calls changed(kind, target), which the recorder hears of while a session runs.
  function changed(kind, target) {
    if (recorder) {
      try {
        recorder.changed(kind, target);
      } catch (error) {
        setTimeout(function () { throw error; });
      }
    }
  }

  // Calls after(this) after every call of each method proto[name] of names.
  function afterMethods(proto, names, after) {
    names.forEach(function (name) {
      var original = proto && proto[name];
      if (typeof original !== "function") return;
      proto[name] = function () {
        var result = original.apply(this, arguments);
        after(this);
        return result;
      };
    });
  }

  // An after function for afterMethods: changed(kind, this).
  function report(kind) {
    return function (target) { changed(kind, target); };
  }

  // Calls changed(kind, this) after every assignment to proto[name] (an accessor property).
  function afterSetter(proto, name, kind) {
    var descriptor = proto && Object.getOwnPropertyDescriptor(proto, name);
    if (!descriptor || !descriptor.set || !descriptor.configurable) return;
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get: descriptor.get,
      set: function (value) {
        descriptor.set.call(this, value);
        changed(kind, this);
      }
    });
  }

  // The sheet a CSSOM call changed: the top one, for a rule or an imported sheet.
  function topSheet(target) {
    var sheet = target instanceof CSSRule ? target.parentStyleSheet : target;
    while (sheet && sheet.parentStyleSheet) sheet = sheet.parentStyleSheet;
    return sheet;
  }

  // Form state set from script, which fires no event.
  [
    [window.HTMLInputElement, ["value", "checked"]],
    [window.HTMLTextAreaElement, ["value"]],
    [window.HTMLSelectElement, ["value", "selectedIndex"]],
    [window.HTMLOptionElement, ["selected"]]
  ].forEach(function (pair) {
    pair[1].forEach(function (name) { afterSetter(pair[0] && pair[0].prototype, name, "form"); });
  });
  // Dialogs shown modal or closed.
  afterMethods(window.HTMLDialogElement && HTMLDialogElement.prototype, ["showModal", "close"], report("modal"));
  // Stylesheets edited through the CSSOM (also inside @media and other grouping rules), and adopted.
  function sheetChanged(target) {
    changed("sheet", topSheet(target));
  }
  afterMethods(window.CSSStyleSheet && CSSStyleSheet.prototype,
    ["insertRule", "deleteRule", "replaceSync", "addRule", "removeRule"], sheetChanged);
  afterMethods(window.CSSGroupingRule && CSSGroupingRule.prototype, ["insertRule", "deleteRule"], sheetChanged);
  var replace = window.CSSStyleSheet && CSSStyleSheet.prototype.replace;
  if (replace) {
    CSSStyleSheet.prototype.replace = function () {
      var sheet = this;
      return replace.apply(this, arguments).then(function (result) {
        changed("sheet", sheet);
        return result;
      });
    };
  }
  afterSetter(Document.prototype, "adoptedStyleSheets", "adopted");
  afterSetter(window.ShadowRoot && ShadowRoot.prototype, "adoptedStyleSheets", "adopted");
  // Drawing on a canvas: the recorder looks at its pixels soon after (and at least every half second).
  // A WebGL canvas whose context was made before this script (without preserveDrawingBuffer) is blank once
  // its frame is shown, so its pixels are taken when the task that drew ends, before the frame is shown:
  // at most every 150 ms while a session runs, every 2 s otherwise (a scene drawn before the session);
  // hooks.canvas gives those.
  var glFrames = new WeakMap(), glPending = [];
  function drawn(context) {
    changed("canvas", context.canvas);
  }
  function drawnGl(context) {
    keepGlFrame(context);
    drawn(context);
  }
  afterMethods(window.CanvasRenderingContext2D && CanvasRenderingContext2D.prototype, ["clearRect", "fillRect",
    "strokeRect", "fill", "stroke", "fillText", "strokeText", "drawImage", "putImageData"], drawn);
  [window.WebGLRenderingContext, window.WebGL2RenderingContext].forEach(function (gl) {
    afterMethods(gl && gl.prototype, ["clear", "drawArrays", "drawElements"], drawnGl);
  });
  function keepGlFrame(context) {
    var canvas = context.canvas, kept = glFrames.get(canvas), attributes = context.getContextAttributes();
    if (glPending.indexOf(canvas) >= 0 || (attributes && attributes.preserveDrawingBuffer)) return;
    if (kept && Date.now() - kept[0] < (recorder ? 150 : 2000)) return;
    glPending.push(canvas);
    queueMicrotask(function () {
      glPending.splice(glPending.indexOf(canvas), 1);
      try {
        glFrames.set(canvas, [Date.now(), canvas.toDataURL()]);
      } catch (error) {} // tainted
    });
  }
  // WebGL canvases keep their last frame readable, so the agent can be sent it.
  var getContext = window.HTMLCanvasElement && HTMLCanvasElement.prototype.getContext;
  if (getContext) {
    HTMLCanvasElement.prototype.getContext = function (type, options) {
      if (/webgl/.test(type)) options = Object.assign({}, options, { preserveDrawingBuffer: true });
      return getContext.call(this, type, options);
    };
  }

  // The cssText of each rule of a sheet, joined by NUL (one string crossing into wasm); null if the sheet
  // cannot be read (cross-origin).
  function rulesText(sheet) {
    try {
      return Array.prototype.map.call(sheet.cssRules, function (rule) { return rule.cssText; }).join("\0");
    } catch (error) {
      return null;
    }
  }

  // What the recorder gets from the shim at start. Patches' kinds arrive through changed().
  var hooks = {
    rules: rulesText,
    // A <style>'s rules when they differ from what its text gives (edited through the CSSOM), else null.
    editedRules: function (style) {
      var sheet = style.sheet;
      var live = sheet && rulesText(sheet);
      if (!live || !window.CSSStyleSheet) return null;
      var fresh = new CSSStyleSheet();
      try {
        fresh.replaceSync(style.textContent);
      } catch (error) {
        return live;
      }
      return rulesText(fresh) === live ? null : live;
    },
    // The constructed sheets adopted by a document or shadow root, as rulesText each, joined by SOH.
    adopted: function (root) {
      return Array.prototype.map.call(root.adoptedStyleSheets || [], rulesText).join("\u0001");
    },
    // The elements under root scrolled away from their origin, also inside open shadow roots and
    // same-origin frames.
    scrolled: function (root) {
      var found = [];
      (function walk(root) {
        root.querySelectorAll("*").forEach(function (element) {
          if (element.scrollTop || element.scrollLeft) found.push(element);
          if (element.shadowRoot) walk(element.shadowRoot);
          try {
            if (/^i?frame$/.test(element.localName) && element.contentDocument) walk(element.contentDocument);
          } catch (error) {} // cross-origin
        });
      })(root);
      return found;
    },
    // A media element's [currentTime in ms, paused, muted, volume %, playbackRate %].
    media: function (media) {
      return [Math.round(media.currentTime * 1000) || 0, media.paused ? 1 : 0, media.muted ? 1 : 0,
        Math.round(media.volume * 100), Math.round(media.playbackRate * 100)];
    },
    // A canvas's pixels as a PNG data URL; null when it is empty or tainted by cross-origin images.
    canvas: function (canvas) {
      try {
        var kept = glFrames.get(canvas);
        return kept ? kept[1] : canvas.width && canvas.height ? canvas.toDataURL() : null;
      } catch (error) {
        return null;
      }
    },
    modal: function (dialog) {
      try {
        return dialog.matches(":modal");
      } catch (error) {
        return false;
      }
    },
    // The document's selection as [anchorNode, anchorOffset, focusNode, focusOffset], or null.
    selection: function (doc) {
      var selection = doc.getSelection();
      if (!selection || !selection.rangeCount || selection.isCollapsed) return null;
      return [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset];
    }
  };

  afterMethods(window.Element && Element.prototype, ["attachShadow"], report("shadow"));

  // A page may replace MutationObserver (or hijack node prototypes): the recorder takes its constructor
  // from a pristine realm, a hidden about:blank frame whose constructors stay usable once it is removed.
  function pristine() {
    if (hooks.MutationObserver) return;
    try {
      var frame = document.createElement("iframe");
      frame.setAttribute("data-cobrowse-ignore", "");
      frame.hidden = true;
      document.documentElement.appendChild(frame);
      hooks.MutationObserver = frame.contentWindow.MutationObserver;
      frame.remove();
    } catch (error) {} // the page's own MutationObserver, then
  }

  // Uploads, once per session and URL, what the agent's browser cannot fetch itself: blob: URLs, same-origin
  // images (they may need the visitor's cookies) and same-origin stylesheets (as the text of their rules).
  // The relay serves them to the session's agents. The recorder decides which elements may be uploaded from
  // (never a masked or blocked one) and sends the bytes. Rescans after DOM changes and loads; returns stop().
  function uploadAssets(recorder) {
    var sent = new Set(), budget = 16 << 20, timer = 0, XLINK = "http://www.w3.org/1999/xlink";
    var observer = new (hooks.MutationObserver || MutationObserver)(later);
    function later() {
      timer = timer || setTimeout(scan, 100);
    }
    var watched = [];
    // The document and its same-origin frame documents (each watched for changes and loads once).
    function documents() {
      var found = [document];
      for (var i = 0; i < found.length; i++) {
        found[i].querySelectorAll("iframe,frame").forEach(function (frame) {
          try {
            if (frame.contentDocument) found.push(frame.contentDocument);
          } catch (error) {} // cross-origin
        });
      }
      found.forEach(function (doc) {
        if (watched.indexOf(doc) >= 0) return;
        watched.push(doc);
        observer.observe(doc, { childList: true, subtree: true, attributes: true,
          attributeFilter: ["src", "srcset", "href", "poster", "rel"] });
        doc.addEventListener("load", later, true);
      });
      return found;
    }
    function each(selector, f) {
      documents().forEach(function (doc) { doc.querySelectorAll(selector).forEach(f); });
    }
    // anyOrigin: the bytes are readable although cross-origin (a sheet or font the site may read by CORS).
    function upload(element, url, read, anyOrigin) {
      try {
        url = new URL(url, element.baseURI);
      } catch (error) {
        return;
      }
      if (url.protocol !== "blob:" && url.origin !== location.origin && !anyOrigin) return;
      url = url.href;
      if (sent.has(url) || !recorder.asset_allowed(element)) return;
      sent.add(url);
      read(url).then(function (got) {
        var bytes = new Uint8Array(got[1]);
        if (bytes.length > 4 << 20 || bytes.length > budget) return;
        if (recorder.send_asset(element, url, got[0], bytes)) {
          budget -= bytes.length;
        } else {
          sent.delete(url); // masked meanwhile, or the socket is busy: the next scan decides again
          timer = timer || setTimeout(scan, 500);
        }
      }, function () {});
    }
    function fetched(url) {
      var own = new URL(url).origin === location.origin;
      return fetch(url, { credentials: own ? "include" : "omit", cache: "force-cache" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.blob();
      }).then(function (blob) {
        return blob.arrayBuffer().then(function (bytes) { return [blob.type, bytes]; });
      });
    }
    function absolute(css, base) {
      return css.replace(/url\(\s*(["']?)([^"')]*)\1\s*\)/g, function (whole, quote, url) {
        try {
          return /^(#|data:)/i.test(url) ? whole : 'url("' + new URL(url, base).href + '")';
        } catch (error) {
          return whole;
        }
      });
    }
    // The sheet's rules as a file that needs no other: URLs absolute, @import replaced by the imported
    // sheet's rules when readable (unlike the hooks' rulesText, which the mirror applies in place).
    function standaloneText(sheet) {
      return Array.prototype.map.call(sheet.cssRules, function (rule) {
        try {
          var media = rule.styleSheet && rule.media.mediaText, inner = rule.styleSheet && standaloneText(rule.styleSheet);
          if (inner != null) return media ? "@media " + media + " {\n" + inner + "\n}" : inner;
        } catch (error) {}
        return absolute(rule.cssText, sheet.href || document.baseURI);
      }).join("\n");
    }
    // The files a sheet's rules load (fonts, background images), absolute, each with whether it is a font;
    // also inside @media and the like.
    function cssUrls(sheet, urls) {
      Array.prototype.forEach.call(sheet.cssRules, function (rule) {
        if (rule.cssRules && rule.type !== 1) return cssUrls(rule, urls); // a grouping rule (1: style rule)
        (rule.cssText.match(/url\(\s*(["']?)[^"')]*\1\s*\)/g) || []).forEach(function (found) {
          var url = found.replace(/^url\(\s*["']?|["']?\s*\)$/g, "");
          var base = sheet.href || (sheet.parentStyleSheet || {}).href || document.baseURI;
          if (!/^(data:|#)/i.test(url)) urls.push([new URL(url, base).href, rule.type === 5]); // 5: @font-face
        });
      });
      return urls;
    }
    function scan() {
      timer = 0;
      // Links only navigate: their blob: downloads are left alone.
      var blobs = '[src^="blob:"],[*|href^="blob:"]:not(a,area),[poster^="blob:"],[srcset*="blob:"]';
      each(blobs, function (element) {
        var urls = [element.getAttribute("src"), element.getAttribute("href"), element.getAttribute("poster"),
          element.getAttributeNS(XLINK, "href")];
        (element.getAttribute("srcset") || "").split(",").forEach(function (candidate) {
          urls.push(candidate.trim().split(/\s+/)[0]);
        });
        urls.forEach(function (url) {
          if (url && /^blob:/.test(url)) upload(element, url, fetched);
        });
      });
      each("img", function (image) { if (image.currentSrc) upload(image, image.currentSrc, fetched); });
      // SVG images, and the files <use> takes symbols from (the agent's browser never loads those from
      // another origin than the mirror's).
      each("image, use", function (element) {
        var href = element.getAttribute("href") || element.getAttributeNS(XLINK, "href");
        if (href && href.charAt(0) !== "#") upload(element, href.split("#")[0], fetched);
      });
      each("video[poster]", function (video) { upload(video, video.getAttribute("poster"), fetched); });
      // Stylesheets whose rules the page can read (same origin, or granted by CORS: the agent's origin may
      // not be), as their rules' text; and the fonts their @font-face rules load, under the same terms.
      each('link[rel~="stylesheet" i][href]', function (link) {
        var sheet = link.sheet, text;
        try {
          text = sheet && standaloneText(sheet); // null: not loaded yet, its load event scans again
        } catch (error) {
          return; // cross-origin without CORS: the agent loads it from its URL, as the visitor did
        }
        if (text == null) return;
        upload(link, link.href, function () {
          return Promise.resolve(["text/css", new TextEncoder().encode(text).buffer]);
        }, true);
      });
      // What readable sheets load: same-origin images and fonts (they may need the site's cookies), and
      // fonts from other origins (browsers load those only with CORS, which may grant the site alone).
      documents().forEach(function (doc) {
        Array.prototype.forEach.call(doc.styleSheets, function (sheet) {
          try {
            cssUrls(sheet, []).forEach(function (found) { upload(sheet.ownerNode, found[0], fetched, found[1]); });
          } catch (error) {} // cross-origin without CORS
        });
      });
    }
    scan();
    return function () {
      observer.disconnect();
      watched.forEach(function (doc) { doc.removeEventListener("load", later, true); });
      clearTimeout(timer);
      recorder = { asset_allowed: function () { return false; }, send_asset: function () { return false; } };
    };
  }

  function endAssets() {
    if (stopAssets) stopAssets();
    stopAssets = null;
  }

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (callback) {
      try {
        callback(detail);
      } catch (error) {
        setTimeout(function () { throw error; });
      }
    });
  }

  function load() {
    visitor = visitor || import(base + "/visitor/cobrowse_visitor.js").then(function (module) {
      return module.default({ module_or_path: base + "/visitor/cobrowse_visitor_bg.wasm" }).then(function () {
        return module;
      });
    }).catch(function (error) {
      visitor = null;
      throw new Error("The cobrowse service at " + base + " is unreachable (" + error.message + ").");
    });
    return visitor;
  }

  function start() {
    if (session) return session;
    show("connecting");
    var url = base.replace(/^http/, "ws") + "/ws/visitor?site=" + encodeURIComponent(site);
    var started = session = load().then(function (module) {
      if (!site) throw new Error("The cobrowse script tag has no data-site attribute.");
      if (session !== started) throw new Error("The session was stopped before it started.");
      recorder = module;
      pristine();
      return module.start(url, onVisitorEvent, hooks);
    }).then(function (key) {
      if (recorder && recorder.send_asset) stopAssets = uploadAssets(recorder);
      show("live", key);
      emit("started", { key: key });
      return key;
    }, function (error) {
      recorder = null;
      if (session !== started) {
        close(); // the visitor pressed Cancel: nothing to report
      } else {
        session = null;
        show("failed", error.message);
        emit("error", { message: error.message });
      }
      throw error;
    });
    return started;
  }

  function stop() {
    if (!session) return;
    session = null;
    recorder = null;
    endAssets();
    if (visitor) visitor.then(function (module) { module.stop(); }, function () {});
  }

  function onVisitorEvent(name, detail) {
    if (name === "ended") {
      session = recorder = null;
      endAssets();
    }
    show(name, name === "ended" ? detail.reason : name === "error" ? detail.message : detail);
    emit(name, detail);
  }

  function element(tag, className, parent) {
    var node = document.createElement(tag);
    node.className = className;
    parent.appendChild(node);
    return node;
  }

  function build() {
    if (!stylesheet) {
      stylesheet = document.createElement("link");
      stylesheet.rel = "stylesheet";
      stylesheet.href = base + "/cobrowse.css";
      stylesheet.setAttribute("data-cobrowse-ignore", "");
      stylesheet.onload = stylesheet.onerror = function () {
        stylesheet.ready = true;
        if (widget) widget.root.hidden = false;
      };
      document.head.appendChild(stylesheet);
    }
    var root = document.createElement("div");
    root.id = "cobrowse-widget";
    root.className = "cobrowse-widget";
    root.setAttribute("data-cobrowse-ignore", "");
    root.setAttribute("role", "status");
    root.hidden = !stylesheet.ready;
    widget = {
      root: root,
      title: element("p", "cobrowse-title", root),
      key: element("p", "cobrowse-key", root),
      agents: element("p", "cobrowse-agents", root),
      message: element("p", "cobrowse-message", root),
      button: element("button", "cobrowse-button", root)
    };
    widget.key.id = "cobrowse-key";
    widget.agents.id = "cobrowse-agents";
    widget.button.type = "button";
    widget.button.onclick = function () {
      if (widget.state === "connecting" || widget.state === "live") stop();
      else close();
    };
    (document.body || document.documentElement).appendChild(root);
  }

  function close() {
    if (widget) widget.root.remove();
    widget = null;
  }

  function agentsText(count) {
    if (!count) return "No agent is watching yet.";
    return count === 1 ? "1 agent is watching." : count + " agents are watching.";
  }

  // Shows a step of the session: connecting, live (key), agentjoined/agentleft ({name, agents}),
  // ended (reason), failed or error (message).
  function show(step, detail) {
    if (!widget) build();
    var w = widget;
    if (step === "agentjoined" || step === "agentleft") {
      w.agents.textContent = agentsText(detail.agents);
      w.message.textContent = detail.name + (step === "agentjoined" ? " joined." : " left.");
      return;
    }
    if (step === "error") step = "failed";
    w.state = step;
    w.root.className = "cobrowse-widget cobrowse-" + step;
    w.title.textContent = {
      connecting: "Starting a cobrowse session\u2026",
      live: "Your session key",
      ended: "Session ended",
      failed: "Cobrowse could not start"
    }[step];
    w.key.hidden = w.agents.hidden = step !== "live";
    w.message.hidden = step === "connecting";
    w.button.textContent = step === "connecting" ? "Cancel" : step === "live" ? "End" : "Close";
    if (step === "live") {
      w.key.textContent = detail;
      w.agents.textContent = agentsText(0);
      w.message.textContent = "Read this key to the agent.";
    } else if (step !== "connecting") {
      w.message.textContent = detail || "";
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element && event.target.closest("[data-cobrowse-start]");
    if (target) {
      event.preventDefault();
      start().catch(function () {});
    }
  });

  if (script.getAttribute("data-hotkey") !== "off") {
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable || target.tagName === "TEXTAREA");
      if (event.key === "Enter" && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !typing) {
        event.preventDefault();
        start().catch(function () {});
      }
    });
  }

  window.Cobrowse = {
    start: start,
    stop: stop,
    hooks: hooks, // the recorder's helpers, handed to it at start (exposed for its tests)
    on: function (name, callback) {
      (listeners[name] = listeners[name] || []).push(callback);
      return function () {
        listeners[name] = (listeners[name] || []).filter(function (other) { return other !== callback; });
      };
    }
  };
})();
