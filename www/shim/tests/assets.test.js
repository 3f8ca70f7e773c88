// The asset uploader's loader (www/shim/assets.js) in jsdom, with the relay's module stood in for by a mock of
// its URL: imported only when an agent watches, once, again after a failed import, and stopped at the end
// (also when the module comes after the end). Each test waits for the module as the loader does (arrived());
// what must happen is waited for (vi.waitFor), since the loader's own import may settle a turn later on a
// busy machine.

const URL = "https://relay.test/visitor/cobrowse_assets.js"; // unbuilt, the version is ""

let assets; // the loader, fresh for each test
let uploads; // the stand-in uploader: uploadAssets and the stop() it returns
let unreachable; // whether the stand-in relay fails the import
const recorder = { node_info: () => 9, send_asset: () => true };

beforeEach(async () => {
  vi.resetModules();
  unreachable = false;
  const mine = (uploads = { stop: vi.fn() }); // a module an earlier test asked for starts that test's
  uploads.start = vi.fn(() => mine.stop);
  vi.doMock(URL, () => {
    if (unreachable) throw new Error("the relay is unreachable");
    return { uploadAssets: mine.start };
  });
  assets = await import("../assets.js");
});

afterEach(() => {
  assets.endAssets();
  vi.doUnmock(URL);
});

/** Once the module the loader asked for has arrived (or failed) and the loader has acted on it. */
async function arrived() {
  await import(URL).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe("the asset uploader's loader", () => {
  it("imports nothing while no agent watches", async () => {
    assets.agentsWatching(0, "https://relay.test", recorder, MutationObserver);
    assets.agentsWatching(undefined, "https://relay.test", recorder, MutationObserver);
    await arrived();
    expect(uploads.start).not.toHaveBeenCalled();
  });

  it("starts the uploader once an agent watches, on the recorder and the observer it is given, once", async () => {
    assets.agentsWatching(1, "https://relay.test", recorder, MutationObserver);
    assets.agentsWatching(2, "https://relay.test", recorder, MutationObserver); // a second agent
    await arrived();
    assets.agentsWatching(3, "https://relay.test", recorder, MutationObserver);
    await arrived();
    await vi.waitFor(() => expect(uploads.start).toHaveBeenCalledTimes(1));
    expect(uploads.start).toHaveBeenCalledWith(recorder, MutationObserver);
  });

  it("starts nothing for a recorder that cannot send assets", async () => {
    assets.agentsWatching(1, "https://relay.test", { node_info: () => 9 }, MutationObserver);
    assets.agentsWatching(1, "https://relay.test", null, MutationObserver);
    await arrived();
    expect(uploads.start).not.toHaveBeenCalled();
  });

  it("tries a failed import again at the next agent event", async () => {
    unreachable = true;
    assets.agentsWatching(1, "https://relay.test", recorder, MutationObserver);
    await arrived();
    expect(uploads.start).not.toHaveBeenCalled();
    unreachable = false;
    assets.agentsWatching(2, "https://relay.test", recorder, MutationObserver);
    await arrived();
    await vi.waitFor(() => expect(uploads.start).toHaveBeenCalledTimes(1));
  });

  it("stops the uploads at the end, and starts them again for the next session's agents", async () => {
    assets.agentsWatching(1, "https://relay.test", recorder, MutationObserver);
    await arrived();
    assets.endAssets();
    await arrived();
    await vi.waitFor(() => expect(uploads.stop).toHaveBeenCalledTimes(1));
    assets.endAssets(); // nothing runs: nothing more to stop
    await arrived();
    await vi.waitFor(() => expect(uploads.stop).toHaveBeenCalledTimes(1));
    assets.agentsWatching(1, "https://relay.test", recorder, MutationObserver);
    await arrived();
    await vi.waitFor(() => expect(uploads.start).toHaveBeenCalledTimes(2));
  });

  it("never starts uploads whose module arrives after the end", async () => {
    assets.agentsWatching(1, "https://relay.test", recorder, MutationObserver);
    assets.endAssets(); // the module is still loading
    await arrived();
    expect(uploads.start).not.toHaveBeenCalled();
  });
});
