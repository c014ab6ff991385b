// A button that runs one daemon call, shows it is busy, and reports the call's error in libvirt's words.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorView } from '../format/error-view.js';

/** Runs `action` on click; `onDone` after success (e.g. tell the live source something changed). */
export function ActionButton({
  action,
  onDone,
  children,
  label,
}: {
  action: () => Promise<unknown>;
  onDone: () => void;
  children: ComponentChildren;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <span class="action">
      <button
        type="button"
        aria-label={label}
        disabled={busy}
        aria-busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await action();
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
            onDone();
          }
        }}
      >
        {children}
      </button>
      <ErrorView error={error} />
    </span>
  );
}
