import assert from "node:assert/strict";
import { bufferWriter, fileWriter, OutputClosedError } from "../../src/cli/output.ts";

Deno.test("fileWriter() finishes partial writes", async () => {
  const written: number[] = [];
  const writer = fileWriter({
    write(bytes: Uint8Array): Promise<number> {
      const n = Math.min(2, bytes.length);
      written.push(...bytes.subarray(0, n));
      return Promise.resolve(n);
    },
    isTerminal: () => false,
  });
  await writer.write("hello");
  assert.equal(new TextDecoder().decode(new Uint8Array(written)), "hello");
  assert.equal(writer.isTerminal, false);
});

Deno.test("fileWriter() turns a broken pipe into OutputClosedError", async () => {
  const writer = fileWriter({
    write: () => Promise.reject(new Deno.errors.BrokenPipe("Broken pipe (os error 32)")),
    isTerminal: () => false,
  });
  await assert.rejects(writer.write("x"), OutputClosedError);
});

Deno.test("fileWriter() passes other write errors on", async () => {
  const writer = fileWriter({
    write: () => Promise.reject(new Deno.errors.PermissionDenied("no")),
    isTerminal: () => true,
  });
  await assert.rejects(writer.write("x"), Deno.errors.PermissionDenied);
  assert.equal(writer.isTerminal, true);
});

Deno.test("bufferWriter() keeps everything written", async () => {
  const writer = bufferWriter();
  await writer.write("a");
  await writer.write("b\n");
  assert.equal(writer.text(), "ab\n");
});
