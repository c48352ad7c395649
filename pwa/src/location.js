// The phone's position for a report: GPS with its accuracy shown; when refused or poor, the form asks for an
// address instead (the server needs one or the other).
import { useCallback, useEffect, useState } from 'preact/hooks';

export const POOR_ACCURACY_M = 100; // coarser than this (cell towers, Wi-Fi) cannot find a slope or a house

/** useDevicePosition() → {status, position: {lat, lon, accuracy_m} | null, locate}. Starts locating at once. */
export function useDevicePosition() {
  const [state, setState] = useState({ status: 'idle', position: null });
  const locate = useCallback(() => {
    if (!('geolocation' in navigator)) {
      setState({ status: 'unavailable', position: null });
      return;
    }
    setState((previous) => ({ ...previous, status: 'locating' }));
    navigator.geolocation.getCurrentPosition(
      (found) => {
        const position = {
          lat: round(found.coords.latitude, 6),
          lon: round(found.coords.longitude, 6),
          accuracy_m: Math.round(found.coords.accuracy),
        };
        setState({ status: position.accuracy_m > POOR_ACCURACY_M ? 'poor' : 'ok', position });
      },
      (error) => setState({ status: error.code === 1 ? 'denied' : 'unavailable', position: null }),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  }, []);
  useEffect(locate, [locate]);
  return { ...state, locate };
}

function round(value, places) {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}
