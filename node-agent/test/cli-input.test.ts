// The CLI given files it cannot use: one line naming the problem, exit 2, no
// stack trace, no line of the file quoted, and no wait on a FIFO or a device.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildSimulatedHost } from "../../test/harness/simulated-host.ts";

const cli = path.resolve(import.meta.dirname, "../src/cli.ts");
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "nettune-cli-input-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function runCLI(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [cli, ...args], { timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => {
      const failed = error as { code?: number; stdout: string; stderr: string };
      return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
    },
  );
}

const tuning = (spec: Record<string, unknown>): string =>
  stringify({
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name: "t" },
    spec,
  });

/** Each row makes a file (or names one) and says what the one error line must say. */
const rows: { sentence: string; file: () => Promise<string>; says: RegExp }[] = [
  {
    sentence: "a file that does not exist",
    file: () => Promise.resolve(path.join(work, "none.yaml")),
    says: /no such file/,
  },
  {
    sentence: "a directory",
    file: async () => {
      await mkdir(path.join(work, "dir"), { recursive: true });
      return path.join(work, "dir");
    },
    says: /not a regular file/,
  },
  {
    sentence: "a FIFO, without waiting for a writer",
    file: async () => {
      const fifo = path.join(work, "fifo");
      await promisify(execFile)("mkfifo", [fifo]);
      return fifo;
    },
    says: /not a regular file/,
  },
  {
    sentence: "a device that never ends",
    file: () => Promise.resolve("/dev/zero"),
    says: /not a regular file/,
  },
  {
    sentence: "a file over the size limit",
    file: () => put("big.yaml", `# ${"x".repeat(300 * 1024)}\n`),
    says: /larger than 262144 bytes/,
  },
  {
    sentence: "broken YAML, with a position and none of its lines",
    file: () => put("broken.yaml", "a: [1, 2\nb: secret-content\n"),
    says: /^error: .*broken\.yaml: YAML error BAD_INDENT at line 2, column 1$/m,
  },
  {
    sentence: "an alias bomb",
    file: () =>
      put(
        "bomb.yaml",
        `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
      ),
    says: /more than 100 aliases/,
  },
  {
    sentence: "nesting 200 levels deep",
    file: () => put("deep.yaml", `spec: ${"[".repeat(200)}${"]".repeat(200)}\n`),
    says: /nested deeper than 32 levels/,
  },
  {
    sentence: "two YAML documents",
    file: () => put("two.yaml", `${tuning({ sysctls: {} })}---\n${tuning({ sysctls: {} })}`),
    says: /holds 2 YAML documents, not one/,
  },
  {
    sentence: "a key given twice",
    file: () => put("twice.yaml", "kind: NetworkTuning\nkind: NetworkTuning\n"),
    says: /key kind is given twice/,
  },
  {
    sentence: "20,000 keys, refused in moments rather than minutes",
    file: () =>
      put(
        "many.yaml",
        `kind: NetworkTuning\nspec:\n${Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1`).join("\n")}\n`,
      ),
    says: /spec\.k0: unknown field/,
  },
  {
    sentence: "a key given twice through an alias",
    file: () =>
      put(
        "alias-twice.yaml",
        `${header}spec:\n  sysctls:\n    &k net.core.somaxconn: "1"\n    *k : "2"\n`,
      ),
    says: /key spec\.sysctls\.net\.core\.somaxconn is given twice/,
  },
  {
    sentence: "a key given twice, once quoted and once as a number",
    file: () => put("spelled-twice.yaml", `${header}spec:\n  sysctls:\n    "1": a\n    1: b\n`),
    says: /key spec\.sysctls\.1 is given twice/,
  },
  {
    sentence: "a YAML 1.1 merge key that would hide a setting",
    file: () =>
      put(
        "merge.yaml",
        `${header}spec:\n  sysctls:\n    <<: {net.core.somaxconn: "1"}\n    net.core.somaxconn: "2"\n`,
      ),
    says: /merge key << at spec\.sysctls is not accepted/,
  },
  {
    sentence: "a tag outside the YAML 1.2 core schema",
    file: () =>
      put("tag.yaml", `${header}spec:\n  sysctls:\n    net.core.somaxconn: !!binary MTAyNA==\n`),
    says: /tag tag:yaml\.org,2002:binary at spec\.sysctls\.net\.core\.somaxconn is not a YAML 1\.2 core tag/,
  },
  {
    sentence: "a local tag",
    file: () => put("local-tag.yaml", `${header}spec: !mine\n  sysctls: {}\n`),
    says: /tag !mine at spec is not a YAML 1\.2 core tag/,
  },
  {
    sentence: "a YAML 1.1 document, whose on and off are booleans",
    file: () => put("yaml11.yaml", `%YAML 1.1\n---\n${header}spec:\n  sysctls: {}\n`),
    says: /%YAML 1\.1 is not accepted/,
  },
  {
    sentence: "an apiVersion this CLI does not read",
    file: () =>
      put("version.yaml", tuning({ sysctls: {} }).replace("nettune.io/v1alpha1", "nettune.io/v9")),
    says: /^error: .*version\.yaml: apiVersion: must be one of nettune\.io\/v1alpha1, nettune\.io\/v1beta1$/m,
  },
  {
    sentence: "a v1alpha1 file with a field only v1beta1 serves",
    file: () => put("later.yaml", `${header}spec:\n  sysctls: {}\nstatus:\n  advisedNodes: 1\n`),
    says: /status\.advisedNodes: is not served by nettune\.io\/v1alpha1; use nettune\.io\/v1beta1/,
  },
  {
    sentence: "a name the API server would refuse",
    file: () => put("name.yaml", tuning({ sysctls: {} }).replace("name: t", "name: Bad_Name")),
    says: /metadata\.name: must be a DNS subdomain/,
  },
  {
    sentence: "a file that is no tuning, without quoting it",
    file: () => put("shadow", "root:$6$secret-content:19000:0:99999:7:::\n"),
    says: /kind: must be NetworkTuning or NodeNetworkTuning|not a YAML mapping/,
  },
];

const header = "apiVersion: nettune.io/v1alpha1\nkind: NetworkTuning\nmetadata: {name: t}\n";

const put = async (name: string, text: string): Promise<string> => {
  await writeFile(path.join(work, name), text);
  return path.join(work, name);
};

describe("the CLI refuses files it cannot use", () => {
  it.each(rows)("$sentence", async ({ file, says }) => {
    const { code, stderr } = await runCLI(["plan", "--file", await file(), "--root", work]);
    expect(code).toBe(2);
    expect(stderr).toMatch(says);
    expect(stderr).not.toContain("secret-content");
    expect(stderr).not.toMatch(/^\s+at /m);
    // One line says it all.
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("reads a tuning piped in with --file -", async () => {
    const child = execFile(process.execPath, [cli, "plan", "--file", "-", "--root", work]);
    child.stdin?.end("kind: NetworkTuning\nspec:\n  tunables: {}\n");
    const stderr = await new Promise<string>((resolve) => {
      let text = "";
      child.stderr?.on("data", (chunk: string) => (text += chunk));
      child.on("close", () => {
        resolve(text);
      });
    });
    expect(child.exitCode).toBe(2);
    expect(stderr).toContain("spec.tunables: unknown field");
  });

  it("refuses an unknown flag with the usage, exit 2", async () => {
    const { code, stderr } = await runCLI(["plan", "--no-such-flag"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Unknown option '--no-such-flag'/);
    expect(stderr).toContain("usage: node-agent");
  });
});

describe("plan", () => {
  it("reads originals under --root and never rewrites them, even from another boot", async () => {
    const root = path.join(work, "host");
    await buildSimulatedHost(root, "boot-now");
    const originals = path.join(root, "run/nettune/originals.json");
    await mkdir(path.dirname(originals), { recursive: true });
    const recorded = JSON.stringify({
      version: 1,
      bootId: "boot-before",
      entries: [
        {
          key: "/proc/sys/net/core/somaxconn",
          target: { kind: "proc", path: "sys/net/core/somaxconn" },
          original: "128",
          recordedAt: "2026-11-30T00:00:00.000Z",
        },
      ],
    });
    await writeFile(originals, recorded);
    const file = await put("plan.yaml", tuning({ sysctls: { "net.core.somaxconn": "8192" } }));
    const { code, stdout } = await runCLI([
      "plan",
      "--file",
      file,
      "--root",
      root,
      "--output",
      "json",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("WouldChange");
    expect(await readFile(originals, "utf8")).toBe(recorded);
    expect(await readFile(path.join(root, "proc/sys/net/core/somaxconn"), "utf8")).toBe("4096\n");
  });
});

describe("the agent's flags", () => {
  const agent = path.resolve(import.meta.dirname, "../src/main.ts");
  it.each([
    ["--resync-seconds", "abc"],
    ["--probe-timeout-seconds", "0"],
    ["--metrics-port", "70000"],
  ])(
    "refuses %s %s with the flag's name and exit 2, before reaching for a cluster",
    async (flag, value) => {
      const result = await promisify(execFile)(
        process.execPath,
        [agent, "--node-name", "n", flag, value],
        {
          timeout: 20_000,
        },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${flag}: "${value}" is not a whole number`);
    },
  );
});
