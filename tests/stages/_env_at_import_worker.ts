/**
 * A test-only stage worker that reads the environment while its module loads (as the `yaml`
 * package reads LOG_TOKENS): with `env: false` it fails before it can take a request.
 */
import { serveStageRequest } from "../../src/stages/stage_worker.ts";

// Not LOG_TOKENS: `--ignore-env=LOG_TOKENS,…` (scripts/run_flags, scripts/test) makes Deno
// answer "unset" for it without a permission check, in workers too.
const home = Deno.env.get("HOME");

serveStageRequest<unknown, string>(() => Promise.resolve(home ?? ""));
