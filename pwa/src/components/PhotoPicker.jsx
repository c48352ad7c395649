import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Photos from the camera or the gallery, several, with previews. photos: [{id, blob, previewUrl, ...}] as made
 * by photos.js; `onPick(files)` receives the chosen File list, `onRemove(id)` drops one.
 */
export function PhotoPicker({ photos, onPick, onRemove, busy }) {
  const camera = useRef(null);
  const gallery = useRef(null);
  const pick = (event) => {
    const files = [...event.currentTarget.files];
    event.currentTarget.value = ''; // choosing the same file again still fires
    if (files.length) onPick(files);
  };
  return (
    <div class="field">
      <span class="field-label">照片（可多张）</span>
      <div class="photo-buttons">
        <button type="button" class="choice" onClick={() => camera.current.click()}>
          拍照
        </button>
        <button type="button" class="choice" onClick={() => gallery.current.click()}>
          从相册选
        </button>
      </div>
      <input ref={camera} class="hidden" type="file" accept="image/*" capture="environment" onChange={pick} name="camera" />
      <input ref={gallery} class="hidden" type="file" accept="image/*" multiple onChange={pick} name="gallery" />
      {busy ? <p class="field-hint">正在处理照片…</p> : null}
      {photos.length ? (
        <ul class="photo-list">
          {photos.map((photo) => (
            <li class="photo-item" key={photo.id}>
              <PhotoThumb url={photo.previewUrl} />
              <button type="button" class="photo-remove" onClick={() => onRemove(photo.id)} aria-label="删除这张照片">
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <PreviewCleanup photos={photos} />
    </div>
  );
}

// A format the browser cannot show (HEIC outside Safari) is still sent as it is: say so instead of a broken icon.
function PhotoThumb({ url }) {
  const [broken, setBroken] = useState(false);
  if (broken) return <span class="photo-thumb photo-thumb-text">照片已选（此处无法预览）</span>;
  return <img src={url} alt="已选照片" class="photo-thumb" onError={() => setBroken(true)} />;
}

// Object URLs hold the image in memory until revoked: revoke those of photos that left the list.
function PreviewCleanup({ photos }) {
  const previous = useRef([]);
  useEffect(() => {
    const kept = new Set(photos.map((photo) => photo.previewUrl));
    for (const url of previous.current) if (!kept.has(url)) URL.revokeObjectURL(url);
    previous.current = [...kept];
  }, [photos]);
  useEffect(() => () => previous.current.forEach((url) => URL.revokeObjectURL(url)), []);
  return null;
}
