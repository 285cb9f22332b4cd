/**
 * A site CA made with `openssl` for TLS tests: the CA's certificate and a server certificate
 * for `127.0.0.1` it signed (valid two days). Test helper; writes only into `dir`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runProgram } from "./_run_cli.ts";

/** The PEM files of a site CA and of the server certificate it signed. */
export interface SiteCa {
  /** The CA certificate, what `ca_file:` names. */
  ca: string;
  /** The server's certificate and key, for 127.0.0.1. */
  cert: string;
  key: string;
}

/** Makes a CA and a server certificate for 127.0.0.1 in `dir` (created). */
export async function makeSiteCa(dir: string): Promise<SiteCa> {
  await Deno.mkdir(dir, { recursive: true });
  const ssl = async (...args: string[]) => {
    const result = await runProgram("openssl", args, { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
  };
  const newKey = ["-newkey", "rsa:2048", "-nodes"];
  await ssl(
    "req",
    "-x509",
    ...newKey,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=hit test site CA",
  );
  await ssl(
    "req",
    ...newKey,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  await Deno.writeTextFile(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  await ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}
