import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  /** CPUs this process may run on (cgroup and affinity limits), which can be fewer than `cores`. */
  usable_cpus: number;
  /** 1-minute load average when the run began: other work on the machine inflates wall-clock figures. */
  load_1min: number;
  memory_gb: number;
  os: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    usable_cpus: availableParallelism(),
    load_1min: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}
