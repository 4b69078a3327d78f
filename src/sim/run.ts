import { RunnerNode, serverTxnId } from './runner-node.js';
import { Simulation, type SimOptions, type SimResult } from './simulation.js';
import { ZkWorkload } from './zk-workload.js';

/** What runs on the members: bare Zab with opaque writes, or whole servers with ZooKeeper clients. */
export type WorkloadKind = 'zab' | 'zk';

export interface RunOptions extends Pick<SimOptions, 'seed' | 'members' | 'trace' | 'profile'> {
  readonly workload?: WorkloadKind;
}

export function makeSimulation(options: RunOptions): Simulation {
  const { workload, ...base } = options;
  if (workload !== 'zk') return new Simulation(base);
  return new Simulation({
    ...base,
    nodes: (config, durable, profile, rng, _nowMs, host) => new RunnerNode(config, durable, profile.tickMs, profile.snapshotEvery, rng, host),
    workload: new ZkWorkload(),
    txnId: serverTxnId,
  });
}

export async function runSeed(options: RunOptions): Promise<SimResult> {
  const sim = makeSimulation(options);
  return options.workload === 'zk' ? sim.runAsync() : sim.run();
}

/** The one-line command that replays a seed exactly, with a trace of what happened. */
export function reproCommand(seed: number, members: number | undefined, workload: WorkloadKind = 'zab'): string {
  return `npm run sim -- --seed ${seed}${members ? ` --members ${members}` : ''}${workload === 'zk' ? ' --workload zk' : ''} --trace`;
}
