import { Simulation, type SimOptions, type SimResult } from './simulation.js';

export function runSeed(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

/** The one-line command that replays a seed exactly, with a trace of what happened. */
export function reproCommand(seed: number, members: number | undefined): string {
  return `npm run sim -- --seed ${seed}${members ? ` --members ${members}` : ''} --trace`;
}
