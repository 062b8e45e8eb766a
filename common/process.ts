import { FlagError } from "./flags.ts";

/**
 * Runs a program's main; an error that escapes it is printed and ends the
 * process: a bad flag (FlagError) in one line with exit 2, anything else whole with exit 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof FlagError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}

/** Calls `stop` once on the first SIGTERM or SIGINT. */
export function onStopSignal(stop: (signal: string) => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => void stop(signal));
}
