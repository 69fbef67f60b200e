/**
 * guestguard job layer: protocol v1 (documents, results, progress events), the executor with
 * sandboxed handlers, and three ways to move jobs: embedded SQLite, a jobs directory, Redis.
 */
export * from './protocol/schema.js';
export { validateJobDocument, parseJobDocument, payloadVersion, type ValidationResult } from './protocol/validate.js';
export { JobBuilder, buildJob, newJobId } from './protocol/builder.js';
export { parseSemver, compareSemver, satisfiesMinimum, type SemVer } from './protocol/semver.js';
export { parseLabel, parseSelectors, describeSelector, matches as selectorMatches, LABEL_KEY_RE, type LabelSelector, type Labels } from './protocol/selectors.js';
export { ulid, isUlid, ulidTime } from './ulid.js';
export {
  JobError,
  JobValidationError,
  IllegalTransitionError,
  DuplicateJobError,
  JobNotFoundError,
  JOB_ERROR_CODES,
  type JobErrorCode,
  type JobErrorInfo,
  type JobPhase,
  type FieldIssue,
} from './errors.js';
export { JobStateMachine, assertTransition, canTransition, allowedTransitions, isTerminal, isInFlight, type JobState } from './state.js';
export type { HandlerSpec, HandlerContext, HandlerOutput, HandlerPayload, JobHandlerFunction, ProgressUpdate, Isolation, HandlerJobInfo } from './handlers/types.js';
export { HandlerRegistry, defaultHandlerRegistry, builtinHandlers, siblingModule } from './handlers/registry.js';
export { runHandler, liveSandboxes, type SandboxInfo, type RunHandlerOptions } from './sandbox/run-handler.js';
export { JobExecutor, timeLimitMs, type ExecutorOptions, type AttemptOutcome, type AttemptRequest } from './exec/executor.js';
export { createJobMetrics, JOB_DURATION_BUCKETS, type JobMetrics } from './exec/metrics.js';
export { ChecksumVerifier, sha256OfFile } from './exec/checksum.js';
export { MemoryResultCache, resultCacheKey, imageIdentity, type ResultCache, type CachedResult } from './exec/cache.js';
export { routingMismatch, retryDelayMs, type WorkerProfile } from './exec/routing.js';
export type * from './service-types.js';
export type { JobRecord } from './record.js';
export { SqliteJobStore, type SqliteStoreOptions, type RecoveryInfo } from './store/sqlite-store.js';
export { EmbeddedJobService, type EmbeddedServiceOptions, type LocalWorkerConfig, type RetryPolicy, type StoreFsync } from './embedded-service.js';
export { RedisJobService, type RedisServiceOptions } from './redis/service.js';
export { repairUnenqueued, type RepairOutcome } from './redis/repair.js';
export { RedisWorker, type RedisWorkerOptions } from './redis/worker.js';
export { DirectoryWorker, type DirWorkerOptions } from './dir/worker.js';
export { createJobService, runWorker, type JobServiceOptions, type RunWorkerOptions, type RunningWorker } from './factory.js';
export { JobClient, parseSse, type JobClientOptions, type SseMessage } from './client.js';
