// The asset uploader (www/shim/assets/uploader.js) in jsdom, with a fake recorder and a fake fetch: what it uploads,
// what it leaves alone (masked elements, other origins), its limits, its retries, and that it uploads each
// URL once per session.

import { MAX_ASSET_BYTES, MAX_SESSION_ASSET_BYTES, uploadAssets } from "../../assets/uploader.js";

const MiB = 1 << 20;

let recorder; // the fake recorder's node_info (odd: mirrored plainly) and send_asset
let sizes; // URL → the size of the bytes the fake fetch answers (200 bytes when not listed)
let stopUploads;

beforeEach(() => {
  vi.useFakeTimers();
  document.body.innerHTML = "";
  sizes = new Map();
  recorder = {
    node_info: vi.fn((element) => (element.hasAttribute("data-masked") ? 8 : 9)),
    send_asset: vi.fn(() => true),
  };
  vi.stubGlobal(
    "fetch",
    vi.fn((url) => {
      // Made by Node's TextEncoder: crypto.subtle (Node's) refuses the ArrayBuffers of jsdom's realm.
      const bytes = new TextEncoder().encode("\0".repeat(sizes.get(url) ?? 200)).buffer;
      const blob = { type: "image/png", arrayBuffer: () => Promise.resolve(bytes) };
      return Promise.resolve({ ok: true, status: 200, blob: () => Promise.resolve(blob) });
    }),
  );
});

afterEach(() => {
  stopUploads?.();
  stopUploads = null;
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Starts uploading, and lets the fetches and the sends of the first scan happen. */
async function start() {
  stopUploads = uploadAssets(recorder, MutationObserver).stop;
  await vi.advanceTimersByTimeAsync(0);
}

/** An <img> whose current source is `url` (jsdom loads no image, so it is set by hand). */
function image(url, attributes = {}) {
  const img = document.createElement("img");
  img.setAttribute("src", url);
  for (const [name, value] of Object.entries(attributes)) img.setAttribute(name, value);
  Object.defineProperty(img, "currentSrc", { value: new URL(url, document.baseURI).href });
  document.body.appendChild(img);
  return img;
}

const sentUrls = () => recorder.send_asset.mock.calls.map((call) => call[1]);

/** A font of another origin (a CDN granting the site CORS), loaded by an @font-face rule of a readable sheet. */
const CDN_FONT = "https://fonts.example/brand.woff2";

/** A stylesheet of another origin (a CDN granting the site CORS). */
const CDN_SHEET = "https://cdn.example/brand.css";

/**
 * A <link rel=stylesheet> of `url` whose sheet the page can read, holding `css` (jsdom loads no linked
 * sheet: a <style>'s parsed sheet is lent to the link, then the <style> leaves the document).
 */
function linkedSheet(url, css) {
  const holder = document.createElement("style");
  holder.textContent = css;
  document.head.appendChild(holder);
  const sheet = holder.sheet;
  holder.remove();
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = url;
  Object.defineProperty(link, "sheet", { value: sheet });
  document.body.appendChild(link);
  return link;
}

/** A <style> whose @font-face rule loads `url`. */
function fontFace(url) {
  const style = document.createElement("style");
  style.textContent = `@font-face { font-family: Brand; src: url("${url}") format("woff2"); }`;
  document.body.appendChild(style);
  Object.defineProperty(style.sheet, "ownerNode", { value: style }); // a browser's sheet has it; jsdom's not
  return style;
}

describe("the asset uploader", () => {
  it("uploads same-origin images and blob: URLs with their type and bytes", async () => {
    const img = image("/logo.png");
    const blob = "blob:" + location.origin + "/5f1c";
    document.body.insertAdjacentHTML("beforeend", `<video poster="${blob}"></video>`);
    await start();
    expect(sentUrls().sort()).toEqual([blob, location.origin + "/logo.png"].sort());
    const [element, , mime, bytes] = recorder.send_asset.mock.calls.find((call) => call[0] === img);
    expect(element).toBe(img);
    expect(mime).toBe("image/png");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(200);
    expect(fetch).toHaveBeenCalledWith(location.origin + "/logo.png", { credentials: "include", cache: "force-cache" });
  });

  it("skips the elements the recorder does not allow (masked or blocked)", async () => {
    image("/secret.png", { "data-masked": "" });
    document.body.insertAdjacentHTML("beforeend", `<img data-masked src="blob:${location.origin}/77">`);
    await start();
    expect(recorder.node_info).toHaveBeenCalled();
    expect(fetch).not.toHaveBeenCalled();
    expect(recorder.send_asset).not.toHaveBeenCalled();
  });

  it("uploads a font of another origin at once when nothing is offered, without the visitor's cookies", async () => {
    fontFace(CDN_FONT);
    await start();
    expect(sentUrls()).toEqual([CDN_FONT]);
    expect(fetch).toHaveBeenCalledWith(CDN_FONT, { credentials: "omit", cache: "force-cache" });
  });

  it("leaves other origins' images to the agent's browser", async () => {
    image("https://cdn.example/photo.jpg");
    await start();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("uploads each URL once per session, however often it is used or scanned", async () => {
    image("/a.png");
    image("/a.png");
    await start();
    document.body.appendChild(document.createElement("p")); // a change: scanned again
    image("/a.png");
    await vi.advanceTimersByTimeAsync(200);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(sentUrls()).toEqual([location.origin + "/a.png"]);
  });

  it("scans again after DOM changes", async () => {
    await start();
    image("/late.png");
    await vi.advanceTimersByTimeAsync(99);
    expect(recorder.send_asset).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(sentUrls()).toEqual([location.origin + "/late.png"]);
  });

  it("sends no asset over 4 MiB, the relay's max_asset_bytes", async () => {
    expect(MAX_ASSET_BYTES).toBe(4 * MiB);
    sizes.set(location.origin + "/big.png", MAX_ASSET_BYTES + 1);
    sizes.set(location.origin + "/fits.png", MAX_ASSET_BYTES);
    image("/big.png");
    image("/fits.png");
    await start();
    expect(sentUrls()).toEqual([location.origin + "/fits.png"]);
  });

  it("sends at most 16 MiB in a session, the relay's session_asset_bytes", async () => {
    expect(MAX_SESSION_ASSET_BYTES).toBe(16 * MiB);
    for (const name of ["1", "2", "3", "4", "5"]) sizes.set(`${location.origin}/${name}.png`, 4 * MiB);
    for (const name of ["1", "2", "3", "4"]) image(`/${name}.png`);
    await start();
    expect(sentUrls()).toHaveLength(4);
    image("/5.png");
    image("/small.png");
    await vi.advanceTimersByTimeAsync(100);
    expect(fetch).toHaveBeenCalledTimes(6);
    expect(sentUrls()).toHaveLength(4); // the budget is spent
  });

  it("tries again when the recorder could not send (socket busy, masked meanwhile)", async () => {
    recorder.send_asset.mockReturnValueOnce(false);
    image("/retry.png");
    await start();
    expect(recorder.send_asset).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(recorder.send_asset).toHaveBeenCalledTimes(2);
    expect(sentUrls()).toEqual([location.origin + "/retry.png", location.origin + "/retry.png"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(recorder.send_asset).toHaveBeenCalledTimes(2); // sent: not again
  });

  it("does not retry a file it could not read", async () => {
    fetch.mockImplementation(() => Promise.resolve({ ok: false, status: 404 }));
    image("/gone.png");
    await start();
    document.body.appendChild(document.createElement("p"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(recorder.send_asset).not.toHaveBeenCalled();
  });

  it("stops: no more scans, and nothing sent that was still being read", async () => {
    let release;
    fetch.mockImplementationOnce(() => new Promise((resolve) => (release = resolve)));
    image("/slow.png");
    await start();
    stopUploads();
    const bytes = new ArrayBuffer(1);
    release({ ok: true, status: 200, blob: () => Promise.resolve({ type: "", arrayBuffer: () => Promise.resolve(bytes) }) });
    image("/after.png");
    await vi.advanceTimersByTimeAsync(1000);
    expect(recorder.send_asset).not.toHaveBeenCalled();
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe("the asset uploader with offers (the relay fetches public files itself)", () => {
  let offers; // [url, sha256] the uploader offered
  let uploads;

  async function startOffering() {
    offers = [];
    uploads = uploadAssets(recorder, MutationObserver, (url, sha256) => offers.push([url, sha256]));
    stopUploads = uploads.stop;
    await vi.advanceTimersByTimeAsync(0);
    await vi.waitFor(() => expect(offers.length + recorder.send_asset.mock.calls.length).toBeGreaterThan(0));
  }

  /**
   * Starts offering, then checks that `url` (of another origin) alone was offered, by a SHA-256 of its bytes
   * read without the visitor's cookies, that nothing was uploaded, and that it is uploaded once wanted.
   */
  async function offeredThenUploadedWhenWanted(url) {
    await startOffering();
    expect(offers.map((offer) => offer[0])).toEqual([url]);
    expect(offers[0][1]).toMatch(/^[0-9a-f]{64}$/);
    expect(fetch).toHaveBeenCalledWith(url, { credentials: "omit", cache: "force-cache" });
    expect(recorder.send_asset).not.toHaveBeenCalled();
    uploads.wanted(url);
    await vi.waitFor(() => expect(sentUrls()).toEqual([url]));
  }

  it("offers a same-origin file by the SHA-256 of its bytes, and uploads it only when wanted", async () => {
    sizes.set(location.origin + "/logo.png", 0);
    image("/logo.png");
    await startOffering();
    // SHA-256 of no bytes.
    expect(offers).toEqual([[location.origin + "/logo.png", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]]);
    expect(recorder.send_asset).not.toHaveBeenCalled();
    uploads.wanted(location.origin + "/logo.png");
    await vi.waitFor(() => expect(sentUrls()).toEqual([location.origin + "/logo.png"]));
    uploads.wanted(location.origin + "/logo.png"); // asked twice: uploaded once
    await vi.advanceTimersByTimeAsync(100);
    expect(sentUrls()).toHaveLength(1);
  });

  it("offers a font of another origin granted by CORS like a same-origin file, and uploads it when wanted", async () => {
    const style = fontFace(CDN_FONT);
    await offeredThenUploadedWhenWanted(CDN_FONT);
    expect(recorder.send_asset.mock.calls[0][0]).toBe(style);
  });

  it("offers a stylesheet of another origin granted by CORS by its file's hash, and uploads its rules when wanted", async () => {
    const link = linkedSheet(CDN_SHEET, ".brand { color: rebeccapurple; }");
    await offeredThenUploadedWhenWanted(CDN_SHEET);
    const [element, , type, bytes] = recorder.send_asset.mock.calls[0];
    expect(element).toBe(link);
    expect(type).toBe("text/css");
    expect(new TextDecoder().decode(bytes)).toContain("rebeccapurple");
  });

  it("uploads a font of another origin at once where crypto.subtle is missing (a page not on https)", async () => {
    vi.stubGlobal("crypto", {});
    fontFace(CDN_FONT);
    await startOffering();
    expect(sentUrls()).toEqual([CDN_FONT]);
    expect(offers).toEqual([]);
  });

  it("uploads blob: URLs at once: the relay cannot fetch them", async () => {
    const blob = "blob:" + location.origin + "/5f1c";
    document.body.insertAdjacentHTML("beforeend", `<img src="${blob}">`);
    await startOffering();
    expect(sentUrls()).toEqual([blob]);
    expect(offers).toEqual([]);
  });

  it("offers nothing for a masked element, and nothing over 4 MiB", async () => {
    image("/secret.png", { "data-masked": "" });
    sizes.set(location.origin + "/big.png", MAX_ASSET_BYTES + 1);
    image("/big.png");
    image("/ok.png");
    await startOffering();
    await vi.advanceTimersByTimeAsync(50);
    expect(offers.map((offer) => offer[0])).toEqual([location.origin + "/ok.png"]);
    expect(recorder.send_asset).not.toHaveBeenCalled();
  });

  it("ignores a wanted URL it never offered", async () => {
    image("/ok.png");
    await startOffering();
    uploads.wanted(location.origin + "/never.png");
    await vi.advanceTimersByTimeAsync(100);
    expect(recorder.send_asset).not.toHaveBeenCalled();
  });
});
