// The first read of what a spot of a screen shows, while none of it is on the phone yet: a line where it will come,
// never an empty heading or a blank screen (on a weak 2G signal the first answer can take many seconds). Once a copy
// is on the phone it shows at once and UpdatedAt says how old it is; an error is the screen's own Banner.
// `of`: the useCached() results the spot waits for (or `waiting` for a read of its own); `what`: what is being read
// ("灾害过程").

/** True while `read` (a useCached() result) is on its first read: no copy on the phone and no error yet. */
export function firstRead(read) {
  return Boolean(read.loading && !read.data && !read.error);
}

export function Reading({ of = [], waiting = false, what = '' }) {
  return waiting || of.some(firstRead) ? <p class="muted reading">正在读取{what}…</p> : null;
}
