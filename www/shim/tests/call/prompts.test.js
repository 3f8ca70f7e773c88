// The call's prompts (www/shim/call/prompts.js) in jsdom: asking to see the page (consent) and to control it,
// their stable ids, their accessibility, the queue of several asks, and Withdrawn.
import { createPrompts } from "../../call/prompts.js";

let answered;
let prompts;

beforeEach(() => {
  document.body.innerHTML = '<button id="page-button">Page</button>';
  answered = [];
  prompts = createPrompts((ask, allow) => answered.push([ask.kind, ask.agent, allow]));
});

afterEach(() => prompts.end());

const $ = (id) => document.getElementById(id);

describe("the consent prompt", () => {
  it("names the agent, is an alertdialog with labelled buttons, and takes the focus", () => {
    $("page-button").focus();
    prompts.ask({ kind: "consent", agent: 1, name: "Ana" });
    const prompt = $("cobrowse-consent");
    expect(prompt.getAttribute("role")).toBe("alertdialog");
    expect(prompt.hasAttribute("data-cobrowse-ignore")).toBe(true);
    expect($(prompt.getAttribute("aria-labelledby")).textContent).toBe("Ana asks to see your page");
    expect($(prompt.getAttribute("aria-describedby")).textContent).toMatch(/see this page/);
    expect(document.activeElement).toBe(prompt);
    expect($("cobrowse-allow").textContent).toBe("Allow");
    expect($("cobrowse-allow").getAttribute("aria-label")).toBe("Allow for Ana");
    expect($("cobrowse-deny").type).toBe("button");
  });

  it("sends the answer, goes away, and gives the focus back", () => {
    $("page-button").focus();
    prompts.ask({ kind: "consent", agent: 1, name: "Ana" });
    $("cobrowse-allow").focus();
    $("cobrowse-allow").click();
    expect(answered).toEqual([["consent", 1, true]]);
    expect($("cobrowse-consent")).toBeNull();
    expect(document.activeElement).toBe($("page-button"));
  });

  it("denies on Escape", () => {
    prompts.ask({ kind: "consent", agent: 2, name: "Bo" });
    $("cobrowse-consent").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(answered).toEqual([["consent", 2, false]]);
  });

  it("queues several asks, one shown at a time, and forgets a repeated one", () => {
    prompts.ask({ kind: "consent", agent: 1, name: "Ana" });
    prompts.ask({ kind: "consent", agent: 2, name: "Bo" });
    prompts.ask({ kind: "consent", agent: 1, name: "Ana" }); // the relay asks again on a new page
    expect(document.querySelectorAll(".cobrowse-prompt")).toHaveLength(1);
    $("cobrowse-deny").click();
    expect($("cobrowse-consent-title").textContent).toBe("Bo asks to see your page");
    $("cobrowse-allow").click();
    expect(answered).toEqual([
      ["consent", 1, false],
      ["consent", 2, true],
    ]);
    expect(document.querySelector(".cobrowse-prompt")).toBeNull();
  });

  it("takes a withdrawn agent's prompts away, shown or waiting", () => {
    prompts.ask({ kind: "consent", agent: 1, name: "Ana" });
    prompts.ask({ kind: "control", agent: 1, name: "Ana" });
    prompts.ask({ kind: "consent", agent: 2, name: "Bo" });
    prompts.withdraw(1);
    expect($("cobrowse-consent-title").textContent).toBe("Bo asks to see your page");
    expect($("cobrowse-control-request")).toBeNull();
    prompts.withdraw(2);
    expect(document.querySelector(".cobrowse-prompt")).toBeNull();
    expect(answered).toEqual([]);
  });
});

describe("the control request prompt", () => {
  it("has its own ids and answers with the agent", () => {
    prompts.ask({ kind: "control", agent: 3, name: "Cy" });
    expect($("cobrowse-control-request-title").textContent).toBe("Cy asks to control your page");
    expect($("cobrowse-control-request").getAttribute("role")).toBe("alertdialog");
    $("cobrowse-control-allow").click();
    expect(answered).toEqual([["control", 3, true]]);
    prompts.ask({ kind: "control", agent: 3, name: "Cy" });
    $("cobrowse-control-deny").click();
    expect(answered[1]).toEqual(["control", 3, false]);
  });
});
