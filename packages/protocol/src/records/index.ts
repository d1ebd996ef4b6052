export * from './batch-header.js';
export * from './iterate-batches.js';
export * from './validate.js';
export * from './iterate-records.js';
export * from './build-batch.js';
export * from './control.js';
