import { lstat, readlink, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { readHostFile, resolveInRoot } from "./host-read.ts";

// A resolv.conf is a few lines; anything larger is not one.
const resolvConfLimit = 64 * 1024;

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

/**
 * Where the file really is: its symlinks followed inside `root`, the directory
 * that stands for the node's "/" (the file's own directory when it lies
 * outside it). No link can lead the agent out of it.
 */
async function locate(file: string, root: string): Promise<string> {
  const relative = path.relative(root, file);
  return relative.startsWith("..") || path.isAbsolute(relative)
    ? resolveInRoot(path.dirname(file), path.basename(file))
    : resolveInRoot(root, relative);
}

/** The options, or undefined when there is no file; HostDataError for one that is not a plain small file. */
export async function readResolvOptions(
  file: string,
  root = path.dirname(file),
): Promise<string | undefined> {
  const text = await readHostFile(await locate(file, root), resolvConfLimit);
  return text === undefined ? undefined : optionsOf(text).join(" ");
}

/**
 * Writes the options atomically: a temporary file beside the real file (the
 * symlink's target inside the root, if it is one), then a rename over it,
 * keeping its mode.
 */
export async function writeResolvOptions(
  file: string,
  value: string,
  root = path.dirname(file),
): Promise<void> {
  const real = await locate(file, root);
  const text = await readHostFile(real, resolvConfLimit);
  if (text === undefined) throw new Error(`${file}: gone before its options could be written`);
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
