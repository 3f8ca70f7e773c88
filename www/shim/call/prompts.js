/**
 * The visitor's prompts: an agent asks to see the page (consent, #cobrowse-consent with #cobrowse-allow and
 * #cobrowse-deny) or to control it (#cobrowse-control-request with #cobrowse-control-allow and
 * #cobrowse-control-deny). These ids are stable hooks for sites and tests.
 *
 * One prompt shows at a time; the others wait in order (several agents may ask at once). A prompt is an
 * alertdialog, so screen readers announce it, and takes the focus (given back when it is answered); Tab
 * reaches its buttons, Escape denies. Withdrawn (the agent left or gave up) takes the agent's prompts away.
 * The relay asks again on every new page while a question is unanswered: nothing is kept here.
 */

const KINDS = {
  consent: {
    id: "cobrowse-consent",
    allow: ["cobrowse-allow", "Allow"],
    deny: ["cobrowse-deny", "Deny"],
    title: (name) => name + " asks to see your page",
    text: "The support agent will see this page and the next ones you open here, until you end the session. What you type in private fields stays hidden.",
  },
  control: {
    id: "cobrowse-control-request",
    allow: ["cobrowse-control-allow", "Allow control"],
    deny: ["cobrowse-control-deny", "Deny"],
    title: (name) => name + " asks to control your page",
    text: "The agent will be able to click, type and scroll for you. You can take back control at any time with the Take back control button or the Escape key.",
  },
};

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text) node.textContent = text;
  parent.appendChild(node);
  return node;
}

/** One prompt's elements, for `ask` ({kind, agent, name}); `answer(allow)` is called on a button. */
function build(ask, answer) {
  const kind = KINDS[ask.kind];
  const root = document.createElement("div");
  root.id = kind.id;
  root.className = "cobrowse-prompt cobrowse-prompt-" + ask.kind;
  root.setAttribute("data-cobrowse-ignore", "");
  root.setAttribute("role", "alertdialog");
  root.setAttribute("aria-labelledby", kind.id + "-title");
  root.setAttribute("aria-describedby", kind.id + "-text");
  root.tabIndex = -1;
  element("p", "cobrowse-prompt-title", root, kind.title(ask.name)).id = kind.id + "-title";
  element("p", "cobrowse-prompt-text", root, kind.text).id = kind.id + "-text";
  const buttons = element("div", "cobrowse-prompt-buttons", root);
  [
    [kind.allow, true],
    [kind.deny, false],
  ].forEach(([[id, label], allow]) => {
    const button = element("button", "cobrowse-prompt-button cobrowse-prompt-" + (allow ? "allow" : "deny"), buttons, label);
    button.id = id;
    button.type = "button";
    button.setAttribute("aria-label", allow ? label + " for " + ask.name : label + " " + ask.name);
    button.onclick = () => answer(allow);
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation(); // Escape here denies; it does not also take back control
      answer(false);
    }
  });
  return root;
}

/**
 * The prompts: ask({kind: "consent" | "control", agent, name}) queues one, withdraw(agent) takes the
 * agent's away, end() all. `answered(ask, allow)` is told each answer.
 */
export function createPrompts(answered) {
  const queue = []; // the asks, the shown one first
  let shown = null; // {ask, root, before} of the prompt on screen

  function showNext() {
    if (shown || !queue.length) return;
    const ask = queue[0];
    const before = document.activeElement;
    const root = build(ask, (allow) => {
      close(ask);
      answered(ask, allow);
      showNext();
    });
    shown = { ask, root, before };
    (document.body || document.documentElement).appendChild(root);
    root.focus();
  }

  /** Takes `ask` off the queue and its prompt off the screen (the focus goes back where it was); the next
   * prompt is for the caller to show. */
  function close(ask) {
    const at = queue.indexOf(ask);
    if (at >= 0) queue.splice(at, 1);
    if (shown && shown.ask === ask) {
      const hadFocus = shown.root.contains(document.activeElement);
      shown.root.remove();
      if (hadFocus && shown.before && shown.before.focus) shown.before.focus();
      shown = null;
    }
  }

  return {
    ask(ask) {
      if (queue.some((other) => other.kind === ask.kind && other.agent === ask.agent)) return;
      queue.push(ask);
      showNext();
    },
    withdraw(agent) {
      queue.filter((ask) => ask.agent === agent).forEach(close);
      showNext();
    },
    end() {
      queue.slice().forEach(close);
    },
  };
}
