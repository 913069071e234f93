/** The command line run in this process (no child process), with its output captured. */
import type { Io } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/program.ts";

/** Runs `agentsim <args>` in this process and returns its exit code and what it printed. */
export async function runInProcess(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    color: false,
    progress: () => undefined,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
