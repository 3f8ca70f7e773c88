// The rehearsal's page and its changes (tree/rehearsal.rs), made with the DOM's own calls (no markup is
// parsed, which a page enforcing Trusted Types would refuse). Neither throws: where the browser refuses,
// there is nothing to rehearse.

/** A document of its own (inert: no script runs and nothing loads in it), its body holding a text and a `<p>`; null if none can be made. */
export function rehearsalPage() {
  try {
    const page = document.implementation.createHTMLDocument("");
    page.body.append("text", page.createElement("p"));
    return page;
  } catch {
    return null;
  }
}

/**
 * The records of the changes a page makes most, made to `page`'s body: a text changed, attributes set (one
 * twice), an element removed and one added. Observed as the recorder observes (tree/observer.rs), by the
 * pristine constructor in `hooks` where the shim gave one; null if the browser refuses.
 */
export function rehearsalRecords(page, hooks) {
  try {
    const observer = new ((hooks && hooks.MutationObserver) || MutationObserver)(() => {});
    const body = page.body;
    observer.observe(page, { childList: true, attributes: true, attributeOldValue: true, characterData: true, subtree: true });
    body.firstChild.data = "changed";
    body.title = "changed";
    body.className = "changed";
    body.title = "changed again";
    body.lastChild.remove();
    body.append(page.createElement("p"));
    const records = observer.takeRecords();
    observer.disconnect();
    return records;
  } catch {
    return null;
  }
}
