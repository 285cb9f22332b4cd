/**
 * The folder a command writes into at the user's request (`hit develop TARGET`,
 * `hit bdir PKG TARGET`): made when missing, refused when it holds something, replaced with
 * `-f`. Never a folder of the store.
 */
import { HitError } from "../errors.ts";
import { removeTree } from "../core/build_store.ts";
import { fileError } from "../core/file_error.ts";

/**
 * Makes `target` an empty folder: creates it, or, with `force`, replaces what is there.
 * @throws {HitError} when it exists (not empty, or not a folder) without `force`, or cannot
 * be made.
 */
export async function prepareTarget(
  command: string,
  target: string,
  options: { force: boolean },
): Promise<void> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.lstat(target);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw fileError(`${command}: check TARGET`, error, target);
    }
  }
  if (info !== undefined && !options.force) {
    const empty = info.isDirectory && (await isEmpty(command, target));
    if (!empty) {
      throw new HitError(
        `${command}: "${target}" exists and is ${info.isDirectory ? "not empty" : "not a folder"}`,
        { hint: "choose another TARGET, or replace it with -f" },
      );
    }
  }
  try {
    if (info !== undefined && options.force) await removeTree(target);
    await Deno.mkdir(target, { recursive: true });
  } catch (error) {
    throw fileError(`${command}: make TARGET`, error, target);
  }
}

async function isEmpty(command: string, dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (error) {
    throw fileError(`${command}: read TARGET`, error, dir);
  }
}
