/** A Node's status as a kubelet reports it Ready (no kubelet runs on the test API servers). */
export function readyNodeStatus(now = new Date()): { status: { conditions: object[] } } {
  const time = now.toISOString().replace(/\.\d+Z$/, "Z");
  return {
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "simulated",
          lastHeartbeatTime: time,
          lastTransitionTime: time,
        },
      ],
    },
  };
}
