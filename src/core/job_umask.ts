/**
 * The file mode creation mask build jobs run with, apart from `run_job.ts` so that `main.ts` sets
 * it on start-up without loading the job runner (and `node:path`) for `hit --version`.
 */

/** The file mode creation mask jobs run with (set on `hit` itself, which they inherit). */
export const JOB_UMASK = 0o022;
