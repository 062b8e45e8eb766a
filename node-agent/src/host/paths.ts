import path from "node:path";

/**
 * Where the agent finds the host. In the DaemonSet the host's /proc and /sys
 * are mounted under /host; in tests they point at fixture trees.
 */
export interface HostPaths {
  /** What stands for the node's "/": no symlink leads the agent's file access outside it. */
  root: string;
  proc: string;
  sys: string;
  resolvConf: string;
  /** A tmpfs on nodes, so recorded originals reset with the kernel at reboot. */
  runDir: string;
}

/** The paths below a root prefix ("/" on the node itself, "/host" in a pod). */
export function hostPathsUnder(root: string, runDir: string): HostPaths {
  return {
    root,
    proc: path.join(root, "proc"),
    sys: path.join(root, "sys"),
    resolvConf: path.join(root, "etc/resolv.conf"),
    runDir,
  };
}
