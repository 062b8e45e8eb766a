import { execFile, type ExecFileOptions } from "node:child_process";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell) and reports how it ended; never throws on a non-zero exit. */
export function execResult(
  program: string,
  args: readonly string[],
  options: ExecFileOptions = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      program,
      [...args],
      { maxBuffer: 32 * 1024 * 1024, ...options, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
