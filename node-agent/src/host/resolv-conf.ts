import path from "node:path";
import { openInRoot, readHostFile, readHostLink, resolveInRoot } from "./host-read.ts";
import { replaceFile } from "./host-write.ts";

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
async function locate(file: string, root: string): Promise<{ root: string; real: string }> {
  const relative = path.relative(root, file);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    const own = path.dirname(file);
    return { root: own, real: await resolveInRoot(own, path.basename(file)) };
  }
  return { root, real: await resolveInRoot(root, relative) };
}

/** The options, or undefined when there is no file; HostDataError for one that is not a plain small file. */
export async function readResolvOptions(
  file: string,
  root = path.dirname(file),
): Promise<string | undefined> {
  const located = await locate(file, root);
  const text = await readHostFile(located.root, located.real, resolvConfLimit);
  return text === undefined ? undefined : optionsOf(text).join(" ");
}

/**
 * Writes the options atomically: a side file beside the real file (the
 * symlink's target inside the root, if it is one), created exclusively under
 * an unpredictable name, then renamed over it, keeping its mode.
 */
export async function writeResolvOptions(
  file: string,
  value: string,
  root = path.dirname(file),
): Promise<void> {
  const located = await locate(file, root);
  const handle = await openInRoot(located.root, located.real, "read");
  if (handle === undefined) throw new Error(`${file}: gone before its options could be written`);
  const mode = (await handle.stat().finally(() => handle.close())).mode & 0o7777;
  const text = await readHostFile(located.root, located.real, resolvConfLimit);
  if (text === undefined) throw new Error(`${file}: gone before its options could be written`);
  const tokens = value.split(/\s+/).filter(Boolean);
  try {
    await replaceFile(
      path.dirname(located.real),
      path.basename(located.real),
      withOptions(text, tokens),
      mode,
    );
  } catch (cause) {
    throw new Error(`${file}: could not write options`, { cause });
  }
}

/** The service that owns the file when it is a symlink, from where the link points. */
export async function resolvConfManager(file: string): Promise<string | undefined> {
  const target = await readHostLink(path.dirname(file), file);
  if (target === undefined) return undefined;
  if (target.includes("systemd/resolve")) return "systemd-resolved";
  if (target.includes("NetworkManager")) return "NetworkManager";
  if (target.includes("resolvconf")) return "resolvconf";
  return `symlink to ${target}`;
}
