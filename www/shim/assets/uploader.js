/**
 * The asset uploader: gets the relay what the agent's browser cannot fetch itself, uploading only what the
 * relay cannot fetch either.
 *
 * Those are blob: URLs (they exist only in the visitor's page), same-origin images and their kin (they may
 * need the visitor's cookies) and readable stylesheets (as the text of their rules, with the fonts and
 * images those load). The relay serves them to the session's agents. Many of them are public: a site's own
 * fonts, stylesheets and images, which anyone may fetch, and fonts and stylesheets on a CDN or a font
 * service. So a file on the page's own origin, and a font or stylesheet of another origin granted by CORS,
 * is first *offered* (`offer(url, sha256)`: the Control message AssetOffer, a URL and the SHA-256 of the
 * bytes the page holds): the relay fetches the URL itself, without cookies (another origin only if the
 * site lists it in its asset_origins), and keeps it if it gets the same bytes; otherwise it answers
 * AssetWanted and `wanted(url)` uploads the file as before (a stylesheet as the text of its rules). blob:
 * URLs and stylesheets with @import (uploaded with the imported rules inlined) are uploaded at once, as is
 * everything when no `offer` is given or the browser has no crypto.subtle (a page not served over https).
 * Each URL is offered or uploaded once per session; the
 * recorder decides which elements may be uploaded from (never a masked or blocked one: node_info, odd when
 * the element is mirrored plainly), before an offer as before an upload, and sends the bytes (send_asset,
 * false when it would not or could not). The page is scanned again after DOM changes and loads.
 *
 * It only matters once an agent watches, so it is not part of the shim every page downloads: the support
 * call's module (www/shim/call/main.js, /visitor/cobrowse_call.js, loaded by the shim at the first call
 * message) starts it when an agent watches and hands it the relay's AssetWanted. Everything it uses is
 * handed to uploadAssets (the recorder, the pristine MutationObserver, the offer's sender): it shares no
 * state with the shim.
 */

// The relay's limits, which its config also knows (relay/src/config.rs): what is bigger is not sent.
/** The largest asset uploaded: the relay's `max_asset_bytes` (4 MiB). */
export const MAX_ASSET_BYTES = 4 << 20;
/** What one session uploads at most, in all: the relay's `session_asset_bytes` (16 MiB). */
export const MAX_SESSION_ASSET_BYTES = 16 << 20;

const XLINK = "http://www.w3.org/1999/xlink";

/** CSS text with its url()s made absolute against `base`; url(#id) and data: URLs are kept as they are. */
function absolute(css, base) {
  return css.replace(/url\(\s*(["']?)([^"')]*)\1\s*\)/g, (whole, quote, url) => {
    try {
      return /^(#|data:)/i.test(url) ? whole : 'url("' + new URL(url, base).href + '")';
    } catch {
      return whole;
    }
  });
}

/**
 * The sheet's rules as a file that needs no other: URLs absolute, @import replaced by the imported sheet's
 * rules when readable (unlike hooks.rules, which the mirror applies in place). Throws when cross-origin.
 */
function standaloneText(sheet) {
  return Array.prototype.map
    .call(sheet.cssRules, (rule) => {
      try {
        const media = rule.styleSheet && rule.media.mediaText,
          inner = rule.styleSheet && standaloneText(rule.styleSheet);
        if (inner != null) return media ? "@media " + media + " {\n" + inner + "\n}" : inner;
      } catch {
        // An imported sheet from another origin without CORS: the @import stays, with its URL absolute.
      }
      return absolute(rule.cssText, sheet.href || document.baseURI);
    })
    .join("\n");
}

/**
 * The files a sheet's rules load (fonts, background images), absolute, each with whether it is a font;
 * also inside @media and the like.
 */
function cssUrls(sheet, urls) {
  Array.prototype.forEach.call(sheet.cssRules, (rule) => {
    if (rule.cssRules && rule.type !== 1) return cssUrls(rule, urls); // a grouping rule (1: style rule)
    (rule.cssText.match(/url\(\s*(["']?)[^"')]*\1\s*\)/g) || []).forEach((found) => {
      const url = found.replace(/^url\(\s*["']?|["']?\s*\)$/g, "");
      const base = sheet.href || (sheet.parentStyleSheet || {}).href || document.baseURI;
      if (!/^(data:|#)/i.test(url)) urls.push([new URL(url, base).href, rule.type === 5]); // 5: @font-face
    });
  });
  return urls;
}

/** The SHA-256 of `bytes` (an ArrayBuffer) as 64 lower-case hex digits, as the relay writes it. */
function sha256Hex(bytes) {
  return crypto.subtle
    .digest("SHA-256", bytes)
    .then((digest) => Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join(""));
}

/** Whether a readable sheet imports another: its file alone is not what the page applies. */
function imports(sheet) {
  return Array.prototype.some.call(sheet.cssRules, (rule) => rule.type === 3); // 3: @import
}

/** The bytes at a URL, as [type, ArrayBuffer]; with the visitor's cookies when same-origin. */
function fetched(url) {
  const own = new URL(url).origin === location.origin;
  return fetch(url, { credentials: own ? "include" : "omit", cache: "force-cache" })
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.blob();
    })
    .then((blob) => blob.arrayBuffer().then((bytes) => [blob.type, bytes]));
}

/**
 * Starts uploading, for the session of `wasm` (the recorder's module: node_info, send_asset), watching
 * the page with `Observer` (a MutationObserver constructor); `offer(url, sha256)`, if given, offers a file
 * to the relay instead of uploading it. Returns {stop(), wanted(url)}: `wanted` uploads a file offered
 * before (the relay's AssetWanted).
 */
export function uploadAssets(wasm, Observer, offer) {
  const sent = new Set(),
    offered = new Map(), // URL → [element, read]: offered, uploaded if the relay wants it
    watched = [],
    observer = new Observer(later);
  let budget = MAX_SESSION_ASSET_BYTES,
    timer = 0;
  function later() {
    timer = timer || setTimeout(scan, 100);
  }
  // The document and its same-origin frame documents (each watched for changes and loads once).
  function documents() {
    const found = [document];
    for (let i = 0; i < found.length; i++) {
      found[i].querySelectorAll("iframe,frame").forEach((frame) => {
        try {
          if (frame.contentDocument) found.push(frame.contentDocument);
        } catch {
          // A cross-origin frame: its files are not the page's to send.
        }
      });
    }
    found.forEach((doc) => {
      if (watched.includes(doc)) return;
      watched.push(doc);
      observer.observe(doc, { childList: true, subtree: true, attributes: true,
        attributeFilter: ["src", "srcset", "href", "poster", "rel"] });
      doc.addEventListener("load", later, true);
    });
    return found;
  }
  function each(selector, f) {
    documents().forEach((doc) => doc.querySelectorAll(selector).forEach(f));
  }
  // byCors: the URL, of another origin, is one whose bytes the site may read by CORS (a sheet, a font): it
  // is handled as one of the page's own; else a URL of another origin is skipped.
  // file: the bytes of the file at the URL, when `read` gives other bytes (a sheet's rules as text).
  function upload(element, url, read, byCors, file) {
    try {
      url = new URL(url, element.baseURI);
    } catch {
      return;
    }
    const own = url.origin === location.origin;
    if (url.protocol !== "blob:" && !own && !byCors) return;
    const offerable = (own || byCors) && /^https?:$/.test(url.protocol) && offer && file !== null && crypto.subtle;
    url = url.href;
    if (sent.has(url) || wasm.node_info(element) % 2 !== 1) return; // not mirrored plainly
    sent.add(url);
    if (offerable) offerFile(element, url, read, file || read);
    else send(element, url, read);
  }
  // Offers the file's hash; the bytes stay here unless the relay wants them (`wanted`).
  function offerFile(element, url, read, file) {
    file(url)
      .then((got) => (got[1].byteLength > MAX_ASSET_BYTES ? null : sha256Hex(got[1])))
      .then(
        (sha256) => {
          if (sha256 == null || wasm.node_info(element) % 2 !== 1) return; // too large, or masked meanwhile
          offered.set(url, [element, read]);
          offer(url, sha256);
        },
        () => {
          // Unreadable (a network or HTTP error): not offered, nor tried again in this session.
        },
      );
  }
  function wanted(url) {
    const found = offered.get(url);
    offered.delete(url);
    if (found) send(found[0], url, found[1]);
  }
  function send(element, url, read) {
    read(url).then(
      (got) => {
        const bytes = new Uint8Array(got[1]);
        if (bytes.length > MAX_ASSET_BYTES || bytes.length > budget) return;
        if (wasm.send_asset(element, url, got[0], bytes)) {
          budget -= bytes.length;
        } else {
          sent.delete(url); // masked meanwhile, or the socket is busy: the next scan decides again
          timer = timer || setTimeout(scan, 500);
        }
      },
      () => {
        // Unreadable (a network or HTTP error): not uploaded, nor tried again in this session.
      },
    );
  }
  function scan() {
    timer = 0;
    // Links only navigate: their blob: downloads are left alone.
    const blobs = '[src^="blob:"],[*|href^="blob:"]:not(a,area),[poster^="blob:"],[srcset*="blob:"]';
    each(blobs, (element) => {
      const urls = [element.getAttribute("src"), element.getAttribute("href"), element.getAttribute("poster"),
        element.getAttributeNS(XLINK, "href")];
      (element.getAttribute("srcset") || "").split(",").forEach((candidate) => {
        urls.push(candidate.trim().split(/\s+/)[0]);
      });
      urls.forEach((url) => {
        if (url && /^blob:/.test(url)) upload(element, url, fetched);
      });
    });
    each("img", (image) => {
      if (image.currentSrc) upload(image, image.currentSrc, fetched);
    });
    // SVG images, and the files <use> takes symbols from (the agent's browser never loads those from
    // another origin than the mirror's).
    each("image, use", (element) => {
      const href = element.getAttribute("href") || element.getAttributeNS(XLINK, "href");
      if (href && href.charAt(0) !== "#") upload(element, href.split("#")[0], fetched);
    });
    each("video[poster]", (video) => upload(video, video.getAttribute("poster"), fetched));
    // Stylesheets whose rules the page can read (same origin, or granted by CORS: the agent's origin may
    // not be), as their rules' text; and the fonts their @font-face rules load, under the same terms.
    each('link[rel~="stylesheet" i][href]', (link) => {
      const sheet = link.sheet;
      let text;
      try {
        text = sheet && standaloneText(sheet); // null: not loaded yet, its load event scans again
      } catch {
        return; // cross-origin without CORS: the agent loads it from its URL, as the visitor did
      }
      if (text == null) return;
      // Offered as its file when that is what the page applies; with @import, its rules are sent inlined.
      const rules = () => Promise.resolve(["text/css", new TextEncoder().encode(text).buffer]);
      upload(link, link.href, rules, true, imports(sheet) ? null : fetched);
    });
    // What readable sheets load: same-origin images and fonts (they may need the site's cookies), and
    // fonts from other origins (browsers load those only with CORS, which may grant the site alone),
    // offered too: the relay fetches them from the origins the site lists, sending the page's origin.
    documents().forEach((doc) => {
      Array.prototype.forEach.call(doc.styleSheets, (sheet) => {
        try {
          cssUrls(sheet, []).forEach((found) => upload(sheet.ownerNode, found[0], fetched, found[1]));
        } catch {
          // Cross-origin without CORS: its rules, and so the files they load, cannot be read.
        }
      });
    });
  }
  scan();
  function stop() {
    observer.disconnect();
    watched.forEach((doc) => doc.removeEventListener("load", later, true));
    clearTimeout(timer);
    offered.clear();
    wasm = { node_info: () => -1, send_asset: () => false };
  }
  return { stop, wanted };
}
