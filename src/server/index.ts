/**
 * The secure inference service (`lutmpc serve`): configuration, the three
 * roles, the local launcher. The client SDK is in ../client.
 */
export * from './config.js';
export * from './certs.js';
export { ComputeService, HttpError, type ModelInfo } from './compute.js';
export { DealerService } from './dealer.js';
export { buildApi } from './http.js';
export * from './local.js';
export { Metrics } from './metrics.js';
export { MaterialPool, type PoolItem } from './pool.js';
export { startRole, tokenizerFiles, type RoleHandle, type StartOptions } from './server.js';
export { runRole } from './role-main.js';
