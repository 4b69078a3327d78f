// Preloaded into each member (NODE_OPTIONS="--import …/profile-hook.mjs") by `npm run bench --
// --profile`, because Node 20 refuses --cpu-prof in NODE_OPTIONS: profiles the main thread from
// start to exit with the inspector and writes $BENCH_CPU_PROFILE_DIR/member-<pid>.cpuprofile when
// the process exits (the member exits on SIGTERM; kill -9 leaves no profile).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 1000) });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-thread session answers synchronously, so this completes inside the exit handler.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `member-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
