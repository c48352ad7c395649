// The national list of 灾种 and their 亚灾种, as the server publishes it (GET /disaster-types): no screen keeps a
// copy. Read through cache.js, so a form opened offline still has the last list read.
import { useCached } from './cache.js';

/** useDisasterTypes() → {types: [{name, subtypes}], read}: `read` is the useCached() result (loading, error). */
export function useDisasterTypes() {
  const read = useCached('/disaster-types');
  return { types: read.data ? read.data.items : [], read };
}
