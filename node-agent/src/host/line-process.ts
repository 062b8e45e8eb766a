import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A long-lived command whose output is read line by line. */
export interface LineProcess {
  kill(): void;
}

export interface LineHandlers {
  line: (text: string) => void;
  /** The process ended, by itself or killed. */
  exit: () => void;
  /** It could not start (ENOENT: the program is missing). */
  error: (error: NodeJS.ErrnoException) => void;
  /** Its output could not be read. */
  outputError: (error: Error) => void;
}

/** Starts `command` with stdin and stderr closed and hands its stdout over one line at a time. */
export function runLines(command: readonly string[], on: LineHandlers): LineProcess {
  const [program = "true", ...args] = command;
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "ignore"] });
  const lines = createInterface({ input: child.stdout });
  lines.on("error", on.outputError);
  lines.on("line", on.line);
  child.on("exit", on.exit);
  child.on("error", on.error);
  return { kill: () => child.kill() };
}
