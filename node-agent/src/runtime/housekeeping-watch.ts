/**
 * Watches what decides the housekeeping CPUs (the kubelet's reserved CPUs and
 * the static CPU manager's shared pool, which changes as Guaranteed pods come
 * and go) and calls back when it changed: a drift source, like link events.
 * Sampled only while a spec asks for housekeeping CPUs.
 */
export class HousekeepingWatch {
  private readonly read: () => Promise<unknown>;
  private readonly onChange: () => void;
  private last: string | undefined;

  constructor(read: () => Promise<unknown>, onChange: () => void) {
    this.read = read;
    this.onChange = onChange;
  }

  /** One sample; `wanted` false forgets the last one, so the next wanted sample starts fresh. */
  async sample(wanted: boolean): Promise<void> {
    if (!wanted) {
      this.last = undefined;
      return;
    }
    const now = JSON.stringify(await this.read());
    const before = this.last;
    this.last = now;
    if (before !== undefined && before !== now) this.onChange();
  }
}
