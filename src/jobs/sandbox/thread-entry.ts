/** Worker-thread entry: the job input arrives as workerData; results go back over parentPort. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ParentMessage, SandboxInput } from './protocol.js';
import { runInSandbox } from './runtime.js';

const port = parentPort;
if (port) {
  const ac = new AbortController();
  port.on('message', (m: ParentMessage) => {
    if (m.t === 'abort') ac.abort(new Error(m.reason));
  });
  await runInSandbox(workerData as SandboxInput, ac.signal, (m) => port.postMessage(m));
}
