/**
 * Shell for guest jobs: `nics` brings the NICs up and writes /job/nic-<driver>
 * (the interface name), and `readback LABEL` appends what the guest kernel
 * holds to /job/LABEL: per NIC its ethtool -l/-g/-c/-x answers, each MSI IRQ
 * as "irq N AFFINITY NAME" and where the kernel delivers it as "effective N
 * CPUS" (when it keeps that), its queues' RPS/RFS/XPS files; then the
 * host-global values and the guest's own resolv.conf options as "key value" lines.
 */
export const guestShell = String.raw`
nics() {
  for i in $(ls /sys/class/net); do
    ip link set $i up
    d=$(ethtool -i $i 2>/dev/null | awk '/^driver:/ {print $2}')
    [ -n "$d" ] && echo $i > /job/nic-$d
  done
}
msi_irqs() {
  dev=$(readlink -f /sys/class/net/$1/device)
  ls $dev/msi_irqs $dev/../msi_irqs 2>/dev/null | grep -E '^[0-9]+$'
}
readback() {
  out=/job/$1
  for d in virtio_net e1000e vmxnet3; do
    i=$(cat /job/nic-$d)
    echo "== $d $i" >> $out
    for f in l g c k; do echo "-- ethtool -$f" >> $out; ethtool -$f $i >> $out 2>&1; done
    for irq in $(msi_irqs $i); do
      echo "irq $irq $(cat /proc/irq/$irq/smp_affinity_list) $(grep -E "^ *$irq:" /proc/interrupts | awk '{print $NF}')" >> $out
      [ -f /proc/irq/$irq/effective_affinity_list ] && echo "effective $irq $(cat /proc/irq/$irq/effective_affinity_list)" >> $out
    done
    echo "queues $(ls /sys/class/net/$i/queues | tr '\n' ' ')" >> $out
    for q in /sys/class/net/$i/queues/*; do
      for f in rps_cpus rps_flow_cnt xps_cpus; do [ -f $q/$f ] && echo "$(basename $q) $f $(cat $q/$f)" >> $out; done
    done
    echo "-- ethtool -x" >> $out; ethtool -x $i >> $out 2>&1
  done
  for k in netdev_budget netdev_max_backlog netdev_budget_usecs rps_sock_flow_entries; do echo "$k $(cat /proc/sys/net/core/$k)" >> $out; done
  echo "nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null)" >> $out
  echo "hashsize $(cat /sys/module/nf_conntrack/parameters/hashsize 2>/dev/null)" >> $out
  echo "resolv-options $(grep '^options' /etc/resolv.conf | cut -d' ' -f2- | tr ' ' ',')" >> $out
}
`;

/** One NIC's section of a read-back. */
export function section(text: string, driver: string): string {
  const start = text.indexOf(`== ${driver} `);
  if (start === -1) return "";
  const end = text.indexOf("\n== ", start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

/** A "name: value" line of one ethtool query's output (-c coalescing, -k features) in a section. */
export function ethtoolField(text: string, query: "c" | "k", field: string): string | undefined {
  const start = text.indexOf(`-- ethtool -${query}`);
  const block = text.slice(start, text.indexOf("\n-- ", start + 1));
  return new RegExp(`^${field}:\\s+(\\S+)`, "m").exec(block)?.[1];
}

/** A current value from one ethtool query's output (-l channels, -g rings) in a section. */
export function current(text: string, query: "l" | "g", field: string): string | undefined {
  const start = text.indexOf(`-- ethtool -${query}`);
  const block = text.slice(start, text.indexOf("\n-- ", start + 1));
  return new RegExp(`Current hardware settings:[\\s\\S]*?\\n${field}:\\s+(\\S+)`).exec(block)?.[1];
}

/** A section's queue IRQs as [name, affinity], for names that match. */
export function irqAffinities(text: string, name: RegExp): [string, string][] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("irq "))
    .map((line) => line.split(" "))
    .filter((fields) => name.test(fields[3] ?? ""))
    .map((fields) => [fields[3] ?? "", fields[2] ?? ""]);
}

/** A "key value" line of a read-back. */
export function globalValue(text: string, key: string): string | undefined {
  return new RegExp(`^${key} (\\S+)$`, "m").exec(text)?.[1];
}

/** A section's IRQs as IRQ number → [affinity, effective affinity], where the kernel keeps both. */
export function effectiveAffinities(text: string): Map<string, [string, string]> {
  const lines = text.split("\n").map((line) => line.split(" "));
  const asked = new Map(lines.filter((f) => f[0] === "irq").map((f) => [f[1] ?? "", f[2] ?? ""]));
  const both = new Map<string, [string, string]>();
  for (const f of lines.filter((fields) => fields[0] === "effective")) {
    const irq = f[1] ?? "";
    const affinity = asked.get(irq);
    if (affinity !== undefined) both.set(irq, [affinity, f[2] ?? ""]);
  }
  return both;
}
