import { execFile } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with arguments, each reaching it as one word: never shell text to be expanded. */
export type CommandRunner = (program: string, args: readonly string[]) => Promise<CommandResult>;

/**
 * The real runner: execFile with a timeout, never throwing on a non-zero exit.
 * LC_ALL=C: the tools' messages (strerror's text in ethtool's refusals) are read.
 */
export function execRunner(timeoutMs = 15_000): CommandRunner {
  return (program, args) =>
    new Promise((resolve) => {
      execFile(
        program,
        [...args],
        { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
}
