import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { OtherWriter as Writer, type OtherWriterName } from "../../../api/v1alpha1/reasons.ts";
import { ownedByCNI, type CNIConfig } from "../facts/cni.ts";
import type { ConfiguredWrite } from "../facts/config-lines.ts";
import type { WriterFacts } from "../facts/writing-programs.ts";
import type { KubeProxyWrites } from "../facts/kube-proxy.ts";
import { targetKey, targetTraits } from "../model/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import { matchConfiguredLine } from "./config-line-match.ts";

/** Another program that writes a setting NetTune manages, and what it writes there. */
export interface OtherWriter {
  /** The NetTune setting, such as "conntrack.max". */
  setting: string;
  kind: OtherWriterName;
  /** Who, for people: "kube-proxy (pid 812)", "the CNI calico". */
  writer: string;
  /** What it writes; undefined when it is its own business (a CNI) or computed at its start. */
  value?: string;
  /** When it writes: "at its start", "when the connection comes up". */
  when: string;
  /** What NetTune holds the setting to. */
  desired: string;
  /** Whether it undoes NetTune's value: a different value, or a setting it owns. */
  fights: boolean;
  /** The change that ends the tug of war. */
  fix: string;
}

/** A program that writes what its configuration files say: TuneD, NetworkManager, udev. */
export interface ConfiguredWriter {
  kind: OtherWriterName;
  /** Who, for people: "TuneD (pid 77, profile openshift-node)". */
  writer: string;
  /** When it writes: "at its start", "when the NIC appears". */
  when: string;
  writes: ConfiguredWrite[];
}

const netfilterPrefix = "/proc/sys/net/netfilter/";

/**
 * The settings of a plan that another program also writes. kube-proxy writes
 * connection tracking when it starts (matched by the file); TuneD writes its
 * profile when it starts; NetTune, which re-applies on drift, holds, and the
 * report says which of their settings to turn off. A CNI owns forwarding and
 * rp_filter for pod traffic: NetTune reports them and leaves the decision to
 * people.
 */
export function otherWriters(planned: PlannedSetting[], facts: WriterFacts): OtherWriter[] {
  const programs = configuredWriters(facts);
  return planned.flatMap((setting) => {
    const found = [
      kubeProxyWriter(setting, facts.kubeProxy),
      cniWriter(setting, facts.cni),
      irqbalanceWriter(setting, facts.irqbalance),
      ...programs.map((program) => configuredWriter(setting, program)),
    ];
    return found.filter((w): w is OtherWriter => w !== undefined);
  });
}

/** The programs that write what their files say, as found on the node. */
function configuredWriters(facts: WriterFacts): ConfiguredWriter[] {
  const { tuned, networkManager, linkFiles } = facts;
  const programs: ConfiguredWriter[] = [];
  if (tuned)
    programs.push({
      kind: Writer.TuneD,
      writer: `TuneD (pid ${tuned.pid}, profile ${tuned.profile})`,
      when: "at its start",
      writes: tuned.writes,
    });
  if (networkManager)
    programs.push({
      kind: Writer.NetworkManager,
      writer: `NetworkManager (pid ${networkManager.pid})`,
      when: "when the connection comes up",
      writes: networkManager.writes,
    });
  if (linkFiles)
    programs.push({
      kind: Writer.Udev,
      writer: `systemd-udevd (pid ${linkFiles.pid})`,
      when: "when the NIC appears",
      writes: linkFiles.writes,
    });
  return programs;
}

/** The program as the other writer of a planned setting, when a line of its configuration writes it. */
function configuredWriter(
  setting: PlannedSetting,
  program: ConfiguredWriter,
): OtherWriter | undefined {
  const match = setting.target
    ? matchConfiguredLine(program.writes, setting.target, setting.desired)
    : undefined;
  if (!match) return undefined;
  const { kind, writer, when } = program;
  const { fights, fix } = match;
  const value = match.value === undefined ? {} : { value: match.value };
  return {
    setting: setting.name,
    kind,
    writer,
    when,
    ...value,
    desired: setting.desired,
    fights,
    fix,
  };
}

function kubeProxyWriter(
  setting: PlannedSetting,
  kubeProxy: KubeProxyWrites | undefined,
): OtherWriter | undefined {
  const file = setting.target ? targetKey(setting.target) : "";
  const write = kubeProxy?.writes.find((w) => `${netfilterPrefix}${w.sysctl}` === file);
  if (!kubeProxy || !write) return undefined;
  return {
    setting: setting.name,
    kind: Writer.KubeProxy,
    writer: `kube-proxy (pid ${kubeProxy.pid})`,
    value: write.value,
    when: "at its start",
    desired: setting.desired,
    fights: write.value !== setting.desired,
    fix: `set ${write.fix}`,
  };
}

function cniWriter(setting: PlannedSetting, cni: CNIConfig | undefined): OtherWriter | undefined {
  const key = setting.name.startsWith("sysctl/") ? setting.name.slice("sysctl/".length) : "";
  if (!cni || !ownedByCNI(key)) return undefined;
  return {
    setting: setting.name,
    kind: Writer.CNI,
    writer: `the CNI ${cni.plugin} (${cni.file})`,
    when: "as it sets pods up",
    desired: setting.desired,
    fights: true,
    fix: "leave it to the CNI: remove it from the tuning",
  };
}

/**
 * irqbalance moves IRQs at each rescan. Under the Report policy it fights
 * every IRQ NetTune pins; under BanTunedIRQs it leaves them alone.
 */
function irqbalanceWriter(
  setting: PlannedSetting,
  policy: WriterFacts["irqbalance"],
): OtherWriter | undefined {
  if (policy !== "Report" || !setting.target || targetTraits(setting.target).owner !== "irq")
    return undefined;
  return {
    setting: setting.name,
    kind: Writer.IRQBalance,
    writer: "irqbalance",
    when: "at each rescan",
    desired: setting.desired,
    fights: true,
    fix: "set irqbalance.policy: BanTunedIRQs in the tuning, or stop irqbalance",
  };
}

/** Results with the other writers of each setting named on it. */
export function withOtherWriters(
  results: SettingResult[],
  writers: OtherWriter[],
): SettingResult[] {
  if (writers.length === 0) return results;
  const bySetting = new Map<string, string[]>();
  for (const w of writers) bySetting.set(w.setting, [...(bySetting.get(w.setting) ?? []), w.kind]);
  return results.map((r) => {
    const names = bySetting.get(r.name);
    return names ? { ...r, alsoWrittenBy: names } : r;
  });
}

/** The writers that fight NetTune. */
export function conflicting(writers: OtherWriter[]): OtherWriter[] {
  return writers.filter((w) => w.fights);
}

/** One writer's conflict, for people. */
export function describeConflict(w: OtherWriter): string {
  return w.value === undefined
    ? `${w.writer} manages ${w.setting} (NetTune sets ${w.desired}): ${w.fix}`
    : `${w.writer} writes ${w.setting}=${w.value} ${w.when} (NetTune holds ${w.desired}): ${w.fix}`;
}
