import { lstat, readFile, readlink, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** Every option token of the `options` lines, in order. */
export function optionsOf(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => /^\s*options\s/.test(line))
    .flatMap((line) => line.trim().split(/\s+/).slice(1));
}

/**
 * Replaces the `options` lines with one line holding `tokens`, where the first
 * options line stood (or at the end). Every other line is kept as it was.
 */
export function withOptions(text: string, tokens: string[]): string {
  const lines = text.split("\n");
  const trailingNewline = text.endsWith("\n");
  if (trailingNewline) lines.pop();
  const replacement = tokens.length > 0 ? [`options ${tokens.join(" ")}`] : [];
  const first = lines.findIndex((line) => /^\s*options\s/.test(line));
  const kept = lines.filter((line) => !/^\s*options\s/.test(line));
  const at =
    first === -1
      ? kept.length
      : lines.slice(0, first).filter((l) => !/^\s*options\s/.test(l)).length;
  kept.splice(at, 0, ...replacement);
  return kept.join("\n") + (trailingNewline || kept.length > 0 ? "\n" : "");
}

export async function readResolvOptions(file: string): Promise<string | undefined> {
  try {
    return optionsOf(await readFile(file, "utf8")).join(" ");
  } catch {
    return undefined;
  }
}

/**
 * Writes the options atomically: a temporary file beside the real file (the
 * symlink's target, if it is one), then a rename over it, keeping its mode.
 */
export async function writeResolvOptions(file: string, value: string): Promise<void> {
  const real = await realpath(file);
  const text = await readFile(real, "utf8");
  const { mode } = await stat(real);
  const temporary = path.join(path.dirname(real), `.${path.basename(real)}.nettune.${process.pid}`);
  try {
    await writeFile(temporary, withOptions(text, value.split(/\s+/).filter(Boolean)), { mode });
    await rename(temporary, real);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw new Error(`${file}: could not write options`, { cause });
  }
}

/** The service that owns the file when it is a symlink, from where the link points. */
export async function resolvConfManager(file: string): Promise<string | undefined> {
  try {
    if (!(await lstat(file)).isSymbolicLink()) return undefined;
    const target = await readlink(file);
    if (target.includes("systemd/resolve")) return "systemd-resolved";
    if (target.includes("NetworkManager")) return "NetworkManager";
    if (target.includes("resolvconf")) return "resolvconf";
    return `symlink to ${target}`;
  } catch {
    return undefined;
  }
}
