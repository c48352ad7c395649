// Photos shrunk on the phone (PWA.md rule 9): ~1600 px long side, JPEG 0.8, so a 4 MB camera file travels as
// ~300 KB on a weak signal. The shrunk JPEG has no EXIF, so its GPS and capture time travel as form fields.
import { uuid } from './outbox.js';

export const LONG_SIDE = 1600;
export const QUALITY = 0.8;

/**
 * prepare(file, position) → {id, blob, name, previewUrl, lat, lon, accuracy_m, taken_at}.
 * GPS/time come from the original's EXIF when it has them, else from `position` (the device at capture).
 */
export async function preparePhoto(file, position = null) {
  const [blob, exif] = await Promise.all([shrink(file), readExif(file)]);
  const fromExif = exif && Number.isFinite(exif.latitude) && Number.isFinite(exif.longitude);
  const takenAt = exif && exif.DateTimeOriginal instanceof Date ? exif.DateTimeOriginal : new Date();
  return {
    id: uuid(),
    blob,
    name: blob === file ? file.name || 'photo' : (file.name || 'photo').replace(/\.[^.]*$/, '') + '.jpg',
    previewUrl: URL.createObjectURL(blob),
    lat: fromExif ? exif.latitude : position ? position.lat : null,
    lon: fromExif ? exif.longitude : position ? position.lon : null,
    accuracy_m: fromExif ? null : position ? position.accuracy_m : null,
    taken_at: takenAt.toISOString(),
  };
}

/** The shrunk JPEG, or the original when the browser cannot decode it (HEIC outside Safari: the server converts). */
export async function shrink(file) {
  let bitmap;
  try {
    // Current Chromium applies the EXIF orientation here: never rotate a second time (shareabouts#199).
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  try {
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale);
    const height = Math.round(bitmap.height * scale);
    const blob = await encode(bitmap, width, height);
    // A small original that is already compressed better than our re-encode: keep the original.
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;
  } finally {
    bitmap.close();
  }
}

async function encode(bitmap, width, height) {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
}

// exifr's lite build reads GPS and dates from JPEG/HEIC headers; loaded only when a photo is picked. Its default
// options give {latitude, longitude, DateTimeOriginal, ...} (`pick` lists fail in the lite build: a bare parse it is).
async function readExif(file) {
  try {
    const { default: exifr } = await import('exifr/dist/lite.esm.mjs');
    return (await exifr.parse(file)) || null;
  } catch {
    return null;
  }
}
