/** A minimal structured logger: one JSON line per message on stderr. */
export interface Logger {
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

export function jsonLogger(component: string, now: () => Date = () => new Date()): Logger {
  const write = (level: string, message: string, detail: unknown): void => {
    const line: Record<string, unknown> = { time: now().toISOString(), level, component, message };
    if (detail !== undefined) line.detail = detail instanceof Error ? describe(detail) : detail;
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (message, detail) => {
      write("info", message, detail);
    },
    warn: (message, detail) => {
      write("warn", message, detail);
    },
    error: (message, detail) => {
      write("error", message, detail);
    },
  };
}

function describe(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    ...(error.cause instanceof Error ? { cause: error.cause.message } : {}),
  };
}
