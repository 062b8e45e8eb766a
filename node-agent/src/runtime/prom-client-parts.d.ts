// The four parts of prom-client the agent uses, each as its own module.
// prom-client's index also loads its Pushgateway (http, https, zlib), its
// default metrics (perf_hooks, v8) and cluster support: 2.5 MB of RSS in a
// Node process that holds node:https, for nothing the agent serves
// (docs/adr/0011). prom-client has no "exports" map, so these paths are its
// published files; the types are its own.
declare module "prom-client/lib/registry.js" {
  import { Registry } from "prom-client";
  export default Registry;
}
declare module "prom-client/lib/counter.js" {
  import { Counter } from "prom-client";
  export default Counter;
}
declare module "prom-client/lib/gauge.js" {
  import { Gauge } from "prom-client";
  export default Gauge;
}
declare module "prom-client/lib/histogram.js" {
  import { Histogram } from "prom-client";
  export default Histogram;
}
