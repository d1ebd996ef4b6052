/**
 * The files of a cleaning pass and the swap protocol that makes replacing segments crash
 * safe. For a group of old segments [base, end) (end: the nextOffset of the last one):
 *
 *   1. the cleaner writes the kept batches to `<base>.log.cleaned` and fsyncs it;
 *   2. COMMIT: it renames that to `<base>.log.<end>.swap` and fsyncs the directory. The
 *      swap name carries `end` because the cleaned segment may end below it (trailing
 *      batches removed), and recovery must know exactly which old segments it replaces;
 *   3. every file of the old segments with a base offset in [base, end) is unlinked
 *      (.log, .index, .timeindex: the indexes describe the old bytes);
 *   4. the swap file is renamed to `<base>.log`; the directory is fsynced; the indexes are
 *      rebuilt from the new .log.
 *
 * A kill -9 before 2 leaves a `.cleaned` file, which recovery deletes: the old segments
 * are whole. A kill after 2 leaves a `.swap` file, which recovery finishes by running 3 and
 * 4 again (both idempotent). Either way no record the pass keeps is lost, and the log
 * either has all old segments or the one new segment, never a mix.
 */
import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../../platform/checksummed-file.js';
import { LOG_SUFFIX, parseSegmentFileName, segmentFileName } from '../file-names.js';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

const SWAP_FILE = /^(\d{20})\.log\.(\d{20})\.swap$/;

export function cleanedFileName(baseOffset: number): string {
  return segmentFileName(baseOffset, LOG_SUFFIX) + CLEANED_SUFFIX;
}

export function swapFileName(baseOffset: number, endOffset: number): string {
  return `${segmentFileName(baseOffset, LOG_SUFFIX)}.${String(endOffset).padStart(20, '0')}${SWAP_SUFFIX}`;
}

export function parseSwapFileName(name: string): { baseOffset: number; endOffset: number } | null {
  const m = SWAP_FILE.exec(name);
  if (!m) return null;
  const baseOffset = Number(m[1]);
  const endOffset = Number(m[2]);
  if (!Number.isSafeInteger(baseOffset) || !Number.isSafeInteger(endOffset) || endOffset < baseOffset) return null;
  return { baseOffset, endOffset };
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Step 2: the commit point. Returns the swap file's name. */
export async function commitCleaned(dir: string, baseOffset: number, endOffset: number): Promise<string> {
  const swap = swapFileName(baseOffset, endOffset);
  await rename(join(dir, cleanedFileName(baseOffset)), join(dir, swap));
  await fsyncDirectory(dir);
  return swap;
}

/** Steps 3 and 4 for one swap file; safe to run again after a crash part-way. */
export async function completeSwap(dir: string, swapName: string, names?: readonly string[]): Promise<void> {
  const range = parseSwapFileName(swapName);
  if (!range) throw new Error(`not a swap file name: ${swapName}`);
  for (const name of names ?? (await readdir(dir))) {
    const parsed = parseSegmentFileName(name);
    if (parsed && parsed.baseOffset >= range.baseOffset && parsed.baseOffset < range.endOffset) await unlinkIfPresent(join(dir, name));
  }
  await rename(join(dir, swapName), join(dir, segmentFileName(range.baseOffset, LOG_SUFFIX)));
  await fsyncDirectory(dir);
}

/** Removes a `.cleaned` file of an abandoned pass. */
export async function removeCleaned(dir: string, baseOffset: number): Promise<void> {
  await unlinkIfPresent(join(dir, cleanedFileName(baseOffset)));
}

/**
 * At log open, before segments are listed: deletes `.cleaned` leftovers and finishes every
 * committed swap, oldest first. Returns what it did, for the log.
 */
export async function recoverCleanerFiles(dir: string): Promise<{ discarded: string[]; completed: string[] }> {
  const names = await readdir(dir);
  const discarded: string[] = [];
  const completed: string[] = [];
  for (const name of names) {
    if (name.endsWith(CLEANED_SUFFIX) && (await unlinkIfPresent(join(dir, name)))) discarded.push(name);
  }
  const swaps = names.filter((n) => parseSwapFileName(n) !== null).sort();
  for (const swap of swaps) {
    await completeSwap(dir, swap, await readdir(dir));
    completed.push(swap);
  }
  if (discarded.length > 0) await fsyncDirectory(dir);
  return { discarded, completed };
}
