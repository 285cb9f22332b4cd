/**
 * Ctrl-C for commands that run long work (`hit build`, `hit fetch`): the first SIGINT or
 * SIGTERM aborts the command's `AbortController`, so every build is killed and every download
 * stopped and cleaned up; a second one exits at once.
 */

/**
 * Turns the first SIGINT or SIGTERM into an abort of `controller`; a second one exits with
 * code 130, which leaves the store consistent but build folders behind. Dispose of it to stop
 * listening.
 */
export function listenForInterrupts(controller: AbortController): Disposable {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handler = () => {
    if (controller.signal.aborted) Deno.exit(130);
    controller.abort();
  };
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    [Symbol.dispose]() {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}
