import { it, expect } from 'vitest';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { waitForStatus } from '../../test/jobs/helpers/wait.js';
it('smoke', async () => {
  const svc = await EmbeddedJobService.create({ workers: 2 });
  const t0 = Date.now();
  const out = await svc.submit(buildJob('system.echo', { message: 'hi', delay_ms: 100, progress_steps: 3 }));
  const done = await waitForStatus(svc, out.job.job_id, 'terminal');
  console.log(Date.now() - t0, done, await svc.result(done.job_id), await svc.events(done.job_id));
  expect(done.status).toBe('completed');
  await svc.close();
});
