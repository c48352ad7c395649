// fake-indexeddb's globals (indexedDB, IDBRequest, IDBKeyRange ...) for idb in the node environment.
import 'fake-indexeddb/auto';
