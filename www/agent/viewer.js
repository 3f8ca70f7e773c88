// The agent's viewer page: loads the viewer's wasm and wires the sign-in form, the Leave button, the
// support call's buttons (remote control, tools) and resizing to it. Everything else (the WebSocket, the mirror, the status line) happens in the wasm.
import init, { Viewer } from "./pkg/cobrowse_agent_viewer.js";

const byId = (id) => document.getElementById(id);

// States in which a join is under way (or being resumed), so the form gives way to the Leave button.
const JOINED_STATES = ["connecting", "consent", "live", "navigating", "reconnecting"];

// The tool buttons: #tool-NAME presses the tool NAME (pressing the held one puts it down).
const TOOLS = ["pointer", "highlight", "draw"];

function showLoadFailure(error) {
  const status = byId("cobrowse-status");
  status.dataset.state = "error";
  status.textContent = "The viewer could not load — reload the page (" + error + ")";
}

function wire(viewer) {
  const join = byId("join");
  const leave = byId("leave");
  const onState = (state) => {
    const joined = JOINED_STATES.includes(state);
    document.body.dataset.state = state;
    join.disabled = joined;
    leave.hidden = !joined;
  };
  viewer.onStateChange(onState);
  onState(viewer.state());

  byId("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    viewer.join(byId("agent-name").value, byId("agent-password").value, byId("session-key").value);
  });
  leave.addEventListener("click", () => viewer.leave());
  byId("request-control").addEventListener("click", () => viewer.requestControl());
  byId("release-control").addEventListener("click", () => viewer.releaseControl());
  for (const tool of TOOLS) {
    byId("tool-" + tool).addEventListener("click", () => viewer.selectTool(tool));
  }

  // Fit the mirror again whenever the space for it changes (window resize, the bar wrapping).
  let pending = false;
  const refit = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      viewer.fit();
    });
  };
  new ResizeObserver(refit).observe(byId("cobrowse-stage"));
  window.addEventListener("resize", refit);
}

async function start() {
  let viewer;
  try {
    await init();
    viewer = new Viewer();
  } catch (error) {
    showLoadFailure(error);
    return;
  }
  wire(viewer);
}

start();
