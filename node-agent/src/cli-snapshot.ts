// The CLI as a V8 startup snapshot (scripts/build/cli-snapshot.ts builds
// dist/cli.blob from this file; `node --snapshot-blob dist/cli.blob plan ...`
// runs it). The snapshot starts with every module loaded, and with the YAML
// parser and the schema checks already compiled by one tuning checked here:
// a one-shot call then spends its time on the node, not on starting up.
import { startupSnapshot } from "node:v8";
import { runCLI } from "./cli-main.ts";
import { parseSpecText } from "./load-spec.ts";
import { apiVersion } from "../../api/v1alpha1/identity.ts";

// Every section of a tuning, so that each part of the checks has run once.
const warmUp = `apiVersion: ${apiVersion}
kind: NetworkTuning
metadata: { name: warm-up }
spec:
  priority: 10
  nodeSelector: { matchLabels: { pool: web } }
  interfaces:
    - match: { namePattern: "eth*", drivers: [ena] }
      channels: { combined: max }
      rings: { rx: 4096, tx: max }
      coalesce: { adaptiveRx: true, rxUsecs: 50 }
      offloads: { gro: true, lro: false }
      rss: { equalQueues: 4 }
      rps: { cpus: numa-local, flowEntries: 32768 }
      xps: { spread: all }
      txQueueLength: 5000
      irqAffinity: { policy: Spread }
  conntrack: { maxPerCore: 65536, min: 262144, timeouts: { tcpEstablishedSeconds: 3600 } }
  dns: { node: { singleRequest: single-request-reopen, timeout: 2 } }
  sysctls: { net.core.somaxconn: "8192", net.ipv4.tcp_rmem: "4096 131072 16777216" }
`;
parseSpecText("warm-up", warmUp);

startupSnapshot.setDeserializeMainFunction(() => {
  // In a snapshot, argv[1] is the first argument (no script path).
  void runCLI(process.argv.slice(1)).then((code) => {
    process.exitCode = code;
  });
});
