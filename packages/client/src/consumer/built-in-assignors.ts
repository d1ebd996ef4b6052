/**
 * The assignors partition.assignment.strategy can name. Filled from ./assignors/ once they land.
 */
import type { PartitionAssignor } from './assignors/assignor.js';

export const BUILT_IN_ASSIGNORS: ReadonlyMap<string, () => PartitionAssignor> = new Map();
