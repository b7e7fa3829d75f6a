/**
 * Heap policy for a process that runs the proxy and nothing else (the headless CLI). The proxy's
 * live data is small (~20-35 MB after thousands of requests), but it moves hundreds of megabytes
 * of short-lived data: request bodies, decoded tool outputs, store images. By default V8 lets the
 * old generation grow to up to four times its live size before a full collection, and buffers
 * outside its heap (bodies, store exports) are only freed by such a collection, so the process
 * peaks far above what it uses. A fixed growing factor of 1.1 trades that for more frequent
 * full collections (incremental and mostly concurrent): in `npm run bench:proxy` the peak RSS
 * drops from ~280 to ~240 MB, for a few milliseconds more per first-sight 100k-token request.
 *
 * V8 reads this flag at each collection, so setting it once the process runs takes effect; flags
 * read only when a heap is set up (semi-space sizes, GC threads) cannot be changed this way.
 * Not for the extension: in the extension host it would change the collector for every extension.
 */
import { setFlagsFromString } from 'node:v8';

export const PROXY_HEAP_FLAGS = '--heap-growing-percent=10';

/**
 * The C allocator's policy for the same process, which only the environment it starts with can set
 * (`npm start` does; so does the proxy benchmark for its proxy child). glibc serves allocations
 * from 128 KiB up with their own mappings, returned to the system when freed, but each time such a
 * block is freed it raises that threshold to the block's size (up to 32 MiB). One freed store
 * export (megabytes) is enough: from then on request bodies and store pages come from malloc's
 * heaps, whose freed pages are kept, and the proxy's RSS ends 40-100 MB higher from run to run
 * (peaks of 232-307 MB in `npm run bench:proxy`, against 203-218 MB with the threshold fixed at
 * its initial 128 KiB). Other C libraries ignore the variable.
 */
export const PROXY_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

export function tuneHeapForProxyProcess(): void {
  setFlagsFromString(PROXY_HEAP_FLAGS);
}
