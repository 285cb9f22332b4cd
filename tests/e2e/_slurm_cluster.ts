/**
 * A one-node Slurm cluster for tests (ENGINES.md §2.2–3): `slurmctld` and `slurmd` on free
 * ports of 127.0.0.1 with `auth/none`, every state, spool and log file under a temporary
 * folder, stopped by pid. Test helper; writes only into the folder it is given.
 */
import { join } from "node:path";

/** A running test cluster. */
export interface SlurmCluster extends AsyncDisposable {
  /** `SLURM_CONF=…`, the variable clients find the cluster by. */
  env: Record<string, string>;
  /** The node's CPUs. */
  cpus: number;
  /** The folder of the daemons' logs. */
  logDir: string;
}

/** Why the Slurm tests cannot run here, or undefined when they can. */
export function slurmMissing(): string | undefined {
  for (const program of ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"]) {
    try {
      Deno.statSync(program);
    } catch {
      return `${program} is not installed (apt-get install slurmctld slurmd slurm-client)`;
    }
  }
  return undefined;
}

/** Two distinct free TCP ports on 127.0.0.1. */
function freePorts(): [number, number] {
  const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const b = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ports: [number, number] = [a.addr.port, b.addr.port];
  a.close();
  b.close();
  return ports;
}

/** Starts a cluster whose files live in `dir`; waits until its node is idle. */
export async function startSlurmCluster(dir: string): Promise<SlurmCluster> {
  const cpus = navigator.hardwareConcurrency || 1;
  for (const sub of ["state", "spool", "log"]) {
    await Deno.mkdir(join(dir, sub), { recursive: true });
  }
  const [ctldPort, slurmdPort] = freePorts();
  const conf = join(dir, "slurm.conf");
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=hittest",
      "SlurmctldHost=localhost",
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "SlurmUser=root",
      "AuthType=auth/none",
      "CredType=cred/none",
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pidfile`,
      `SlurmdPidFile=${dir}/slurmd.pidfile`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny",
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/filetxt",
      `JobCompLoc=${dir}/log/jobcomp.txt`,
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "MpiDefault=none",
      "MailProg=/bin/true",
      "ReturnToService=2",
      "SchedulerParameters=batch_sched_delay=0",
      `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
      "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  // The daemons write their own log files (`SlurmctldLogFile`, `SlurmdLogFile`).
  const start = (program: string, args: string[]) =>
    new Deno.Command(program, { args, env, stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
  const children = [
    start("/usr/sbin/slurmctld", ["-D", "-c", "-f", conf]),
    start("/usr/sbin/slurmd", ["-D", "-N", "localhost", "-f", conf]),
  ];
  const stop = async () => {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch {
        // It has exited already.
      }
    }
    const killer = setTimeout(() => {
      for (const child of children) {
        try {
          child.kill("SIGKILL");
        } catch {
          // It has exited already.
        }
      }
    }, 10_000);
    await Promise.all(children.map((child) => child.status));
    clearTimeout(killer);
  };
  try {
    await waitForIdle(env, join(dir, "log"));
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, cpus, logDir: join(dir, "log"), [Symbol.asyncDispose]: stop };
}

/** Polls `sinfo` until the node is idle (bounded at 60 s). */
async function waitForIdle(env: Record<string, string>, logDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const out = await new Deno.Command("sinfo", { args: ["-h", "-o", "%T"], env }).output();
    if (out.success && new TextDecoder().decode(out.stdout).trim() === "idle") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the test Slurm cluster did not come up; see ${logDir}`);
}
