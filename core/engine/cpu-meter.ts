/** The engine's own CPU over a cycle: the synchronous work it times (deciding, announcing, saving), not the awaits between. */
import { cpuMicros } from "../runtime.ts";

export class CpuMeter {
  micros = 0;

  constructor(start = 0) {
    this.micros = start;
  }

  /** Runs `work`, adding the CPU it took. */
  time<T>(work: () => T): T {
    const c0 = cpuMicros();
    try {
      return work();
    } finally {
      this.micros += cpuMicros() - c0;
    }
  }
}
