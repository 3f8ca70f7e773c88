// A queue of one: makes `run` run in a task of its own, soon, each time `post` is called. A message posted
// on a MessageChannel makes a task at once, behind what the page has queued already; a chain of
// setTimeout(0) is clamped to 4 ms a link once nested five deep, which a snapshot sliced into many tasks
// would pay at every slice. `close` drops `run`: a message still queued then does nothing.
export function taskQueue(run) {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = run;
  return { post: () => port2.postMessage(0), close: () => (port1.onmessage = null) };
}
