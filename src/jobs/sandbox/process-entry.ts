/** Child-process entry: waits for one {t:'run'} message over IPC, runs it, reports back. */
import type { ParentMessage, SandboxMessage } from './protocol.js';
import { runInSandbox } from './runtime.js';

if (process.send) {
  const ac = new AbortController();
  const post = (m: SandboxMessage) => process.send!(m);
  process.on('message', (m: ParentMessage) => {
    if (m.t === 'abort') ac.abort(new Error(m.reason));
    else if (m.t === 'run') void runInSandbox(m.input, ac.signal, post);
  });
  // The parent going away must not leave an orphan doing work.
  process.on('disconnect', () => process.exit(1));
}
