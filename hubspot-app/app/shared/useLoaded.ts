import { useCallback, useEffect, useRef, useState } from "react";

/**
 * The load / error / reload state every settings tab needs: `load` runs on mount and on `reload()`;
 * a failed load keeps its sentence in `error` (shown with LoadError and a retry), a later success
 * clears it. `loads` counts successful loads, for editors that must reset when fresh data arrives.
 */
export function useLoaded<T>(load: () => Promise<T>): { data: T | null; error: string | null; loads: number; reload: () => Promise<void>; setData: (update: (current: T | null) => T | null) => void } {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loads, setLoads] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(async () => {
    try {
      const next = await loader.current();
      setDataState(next);
      setError(null);
      setLoads((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  const setData = useCallback((update: (current: T | null) => T | null) => setDataState(update), []);
  return { data, error, loads, reload, setData };
}
