/**
 * A test-only stage worker that does one thing it is asked (read the environment, connect,
 * read or write a file, run a program) so tests can check what a stage's grants allow.
 * Connects only where the test says, always 127.0.0.1.
 */
import { serveStageRequest } from "../../src/stages/stage_worker.ts";

/** What the probe is asked to do. */
export type ProbeRequest =
  | { action: "env"; name: string }
  | { action: "connect"; port: number }
  | { action: "read"; path: string }
  | { action: "write"; path: string }
  | { action: "run"; program: string };

serveStageRequest<ProbeRequest, string>(async (request) => {
  switch (request.action) {
    case "env":
      return Deno.env.get(request.name) ?? "";
    case "connect": {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: request.port });
      conn.close();
      return "connected";
    }
    case "read":
      return await Deno.readTextFile(request.path);
    case "write":
      await Deno.writeTextFile(request.path, "probe");
      return "written";
    case "run": {
      const output = await new Deno.Command(request.program).output();
      return `exit ${output.code}`;
    }
  }
});
