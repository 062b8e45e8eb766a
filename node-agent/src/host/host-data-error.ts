/**
 * The host answered something the agent cannot use: a file that is not a
 * regular file, too large, unparsable, or a path that leaves the root. The
 * setting that needed it fails with UnreadableHostValue; nothing else does.
 */
export class HostDataError extends Error {
  override name = "HostDataError";
  /** The file or command whose answer could not be used. */
  readonly source: string;
  /** What is wrong with it, without the source ("is not a regular file"). */
  readonly problem: string;
  /** The errno when the file could not be opened at all, as opposed to holding garbage. */
  readonly errno: string | undefined;
  constructor(source: string, problem: string, options?: ErrorOptions & { errno?: string }) {
    super(`${source}: ${problem}`, options);
    this.source = source;
    this.problem = problem;
    this.errno = options?.errno;
  }
}
