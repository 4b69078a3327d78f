import { parentPort, workerData } from 'node:worker_threads';
import { runSeed } from './run.js';
import type { WorkerJob } from './sweep.js';

const job = workerData as WorkerJob;
for (const seed of job.seeds) {
  parentPort!.postMessage(await runSeed({ seed, ...(job.members ? { members: job.members } : {}), ...(job.workload ? { workload: job.workload } : {}) }));
}
