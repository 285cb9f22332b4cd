/**
 * The JSON documents in-job commands read (`build.json`, link rules, file lists): missing,
 * unreadable or malformed input is a `HitError` naming the file.
 */
import { HitError } from "../errors.ts";
import { fileError } from "../core/file_error.ts";

/**
 * Reads and parses the JSON file at `path`; `action` starts any error message.
 * @throws {HitError} when the file cannot be read or is not JSON.
 */
export async function readJsonInput(action: string, path: string): Promise<unknown> {
  let text: string;
  try {
    // A FIFO would block the read forever.
    if (!(await Deno.stat(path)).isFile) {
      throw new HitError(`${action}: "${path}" is not a regular file`, {
        hint: "give the path of a JSON file",
      });
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw fileError(action, error, path);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new HitError(`${action}: "${path}" is not JSON: ${detail}`, {
      location: { file: path },
      hint: "give the JSON document the command expects",
    });
  }
}
