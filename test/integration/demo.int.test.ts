// The README's first command, run as a user runs it: `npm run demo` (scripts/demo.sh)
// must tune the sandbox NIC, show it Ready, and restore every value on delete.
// Its own control plane and sandbox; it touches nothing outside them.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Runs the demo to its end; its standard output and exit code. */
function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(root, "scripts/demo.sh")], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** The lines of the demo's section that starts with `== title`. */
function section(stdout: string, title: string): string {
  const start = stdout.indexOf(`\n== ${title}\n`);
  if (start < 0) throw new Error(`the demo printed no section "${title}"`);
  const body = stdout.slice(start + title.length + 5);
  const end = body.indexOf("\n== ");
  return (end < 0 ? body : body.slice(0, end)).trim();
}

/** `key=value` pairs of a values section. */
function pairs(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/([\w./-]+)=(\S+)/g)].map((m) => [m[1] ?? "", m[2] ?? ""] as const),
  );
}

describe("npm run demo", () => {
  it("tunes the sandbox NIC, shows it Ready with a result per setting, and restores every value on delete", async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(code, stderr).toBe(0);
    const before = section(stdout, "Kernel values before");
    const after = section(stdout, "Kernel values after");
    const restored = section(stdout, "Kernel values after the delete: every value restored");
    expect(restored).toBe(before);
    const changed = pairs(after);
    expect(changed.get("vA/tx_queue_len")).toBe("5000");
    expect(changed.get("net.core.somaxconn")).toBe("8192");
    expect(changed.get("nf_conntrack_udp_timeout")).toBe("20");
    expect(after).toContain("options");
    expect(after).toMatch(/single-request-reopen/);
    expect(pairs(before).get("vA/tx_queue_len")).not.toBe("5000");
    const table = section(stdout, "kubectl get networktunings,nodenetworktunings");
    expect(table).toMatch(/networktuning\.nettune\.io\/sandbox-veth\s+True\s+1\/1/);
    const described = stdout.slice(stdout.indexOf("kubectl describe nodenetworktuning"));
    expect(described).toMatch(/Unsupported/);
    expect(described).toMatch(/ReadOnlyInNamespace/);
  });
});
