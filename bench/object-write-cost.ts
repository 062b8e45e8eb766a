// Benchmark: the kube-apiserver's CPU per write of one NodeNetworkTuning, by
// what the object holds (nothing, a full agent report, the settings or the
// inventory alone), against a ConfigMap holding the same report as one string.
// With CRD_MAP=1 the settings list is installed as a map keyed by name instead
// of the CRD's atomic list, to compare the two.
//   node bench/object-write-cost.ts
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { agentReport } from "./realistic-objects.ts";
import { benchControlPlane, client, cpuMs } from "./admin-client.ts";
const root = path.resolve(import.meta.dirname, "..");
const cp = await benchControlPlane();
const api = client(cp);
try {
  await installCRDs(cp);
  if (process.env.CRD_MAP) {
    // The settings list as a map keyed by name, as the CRD had it before (docs/adr/0005).
    const crd = (
      await readFile(path.join(root, "crds/nodenetworktunings.nettune.io.yaml"), "utf8")
    ).replace(
      /maxItems: 2048\n(\s+)x-kubernetes-list-type: atomic/,
      "maxItems: 2048\n$1x-kubernetes-list-type: map\n$1x-kubernetes-list-map-keys:\n$1  - name",
    );
    const file = path.join(tmpdir(), "nettune-nnt-map-settings.yaml");
    await writeFile(file, crd);
    const applied = await kubectl(cp, ["apply", "-f", file]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  await api("POST", "/api/v1/namespaces", { metadata: { name: "bench" } });
  const report = agentReport();
  const count = 300;
  const measure = async (label: string, fn: (i: number) => Promise<unknown>): Promise<void> => {
    const before = await cpuMs(cp.apiServerPid());
    const started = Date.now();
    for (let i = 0; i < count; i++) await fn(i);
    console.log(
      `${label}: ${((await cpuMs(cp.apiServerPid())) - before) / count} ms apiserver CPU per write, ${(Date.now() - started) / count} ms wall`,
    );
  };
  await api("POST", "/apis/nettune.io/v1alpha1/nodenetworktunings", {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NodeNetworkTuning",
    metadata: { name: "a" },
    spec: { sysctls: { "net.core.somaxconn": "1" } },
  });
  const status = "/apis/nettune.io/v1alpha1/nodenetworktunings/a/status";
  await measure("NNT status, tiny", (i) =>
    api("PATCH", status, { status: { observedGeneration: i } }, "application/merge-patch+json"),
  );
  await api("PATCH", status, { status: report }, "application/merge-patch+json");
  await measure("NNT status observedGeneration only, full report stored", (i) =>
    api(
      "PATCH",
      status,
      { status: { observedGeneration: 1000 + i } },
      "application/merge-patch+json",
    ),
  );
  await measure("NNT status, full report resent", (i) =>
    api(
      "PATCH",
      status,
      { status: { observedGeneration: 2000 + i, ...report } },
      "application/merge-patch+json",
    ),
  );
  await measure("NNT spec merge patch, full report stored", (i) =>
    api(
      "PATCH",
      "/apis/nettune.io/v1alpha1/nodenetworktunings/a",
      { spec: { sysctls: { "net.core.somaxconn": String(i + 2) } } },
      "application/merge-patch+json",
    ),
  );
  await api("PATCH", status, { status: { inventory: null } }, "application/merge-patch+json");
  await measure("NNT status observedGeneration only, settings stored (no inventory)", (i) =>
    api(
      "PATCH",
      status,
      { status: { observedGeneration: 3000 + i } },
      "application/merge-patch+json",
    ),
  );
  await api(
    "PATCH",
    status,
    { status: { settings: null, ...{ inventory: report.inventory } } },
    "application/merge-patch+json",
  );
  await measure("NNT status observedGeneration only, inventory stored (no settings)", (i) =>
    api(
      "PATCH",
      status,
      { status: { observedGeneration: 4000 + i } },
      "application/merge-patch+json",
    ),
  );
  await api("POST", "/api/v1/namespaces/bench/configmaps", {
    metadata: { name: "c" },
    data: { big: JSON.stringify(report), v: "0" },
  });
  await measure("ConfigMap with the report as one string", (i) =>
    api(
      "PATCH",
      "/api/v1/namespaces/bench/configmaps/c",
      { data: { v: String(i) } },
      "application/merge-patch+json",
    ),
  );
} finally {
  await cp.stop();
}
