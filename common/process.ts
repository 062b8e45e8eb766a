/** Runs a program's main; an error that escapes it is printed and ends the process. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** Calls `stop` once on the first SIGTERM or SIGINT. */
export function onStopSignal(stop: (signal: string) => Promise<void>): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => void stop(signal));
}
