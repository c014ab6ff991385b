// The create form: name, description, disk-only or with memory (internal, or external to a file, LIVE), per-disk choices, and ATOMIC — on by default, disabled with libvirt's reason when the driver cannot promise it.
import { DomainSnapshotCreateFlags as Create, type Connection, type Domain, type VirError } from '@virtwire/client';
import { useEffect, useState } from 'preact/hooks';
import type { DomainDetail } from '../data/queries.js';
import { ErrorView } from '../format/error-view.js';
import { snapshotXml, type DiskChoice } from '../format/snapshot-xml.js';

type Scope = 'disk-only' | 'full';

/** Where a full snapshot keeps the guest's memory: in the disk images (internal), or in a file of its own (external, the default of virt-manager and cockpit). */
type MemoryLocation = 'internal' | 'external';

/**
 * Why ATOMIC cannot be asked for with this request, in the daemon's own words, or undefined. The
 * SDK's `refusal()` applies the daemon's checks locally (flags and the driver's atomic capability
 * for this kind and number of disks): a request that passes without ATOMIC but not with it is one
 * the driver cannot make atomically.
 */
async function atomicRefusal(conn: Connection, domain: Domain, xml: string, flags: number): Promise<VirError | undefined> {
  const params = { domain: domain.ref, xml };
  if (await conn.refusal('DomainSnapshotCreateXML', { ...params, flags: flags & ~Create.Atomic })) return undefined;
  return conn.refusal('DomainSnapshotCreateXML', { ...params, flags: flags | Create.Atomic });
}

export function SnapshotCreateForm({
  conn,
  domain,
  detail,
  onCreated,
  onStarted,
}: {
  conn: Connection;
  domain: Domain;
  detail: DomainDetail;
  onCreated: () => void;
  onStarted?: () => void;
}) {
  const disks = detail.disks.filter((d) => d.device === 'disk');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [scope, setScope] = useState<Scope>('full');
  const [memory, setMemory] = useState<MemoryLocation>('internal');
  const [memoryFile, setMemoryFile] = useState('');
  const [live, setLive] = useState(false);
  const [choices, setChoices] = useState<Record<string, DiskChoice>>({});
  const [sources, setSources] = useState<Record<string, string>>({});
  const [wantAtomic, setWantAtomic] = useState(true);
  const [refusal, setRefusal] = useState<VirError>();
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState('');
  const [busy, setBusy] = useState(false);

  const externalMemory = scope === 'full' && memory === 'external';
  // libvirt makes a snapshot either internal or external throughout: external memory takes external disks
  const internalAllowed = scope === 'full' && !externalMemory;
  const choiceOf = (target: string): DiskChoice => choices[target] ?? (internalAllowed ? 'internal' : 'external');
  const xml = snapshotXml({
    name: name.trim(),
    description: description.trim(),
    disks: disks.map((d) => ({ target: d.target, choice: choiceOf(d.target), source: sources[d.target]?.trim() ?? '' })),
    ...(externalMemory ? { memoryFile: memoryFile.trim() } : {}),
  });
  const baseFlags = scope === 'disk-only' ? Create.DiskOnly : externalMemory && live ? Create.Live : 0;

  useEffect(() => {
    let current = true;
    void atomicRefusal(conn, domain, xml, baseFlags).then(
      (r) => current && setRefusal(r),
      () => current && setRefusal(undefined),
    );
    return () => {
      current = false;
    };
  }, [conn, xml, baseFlags, domain.id]);

  const atomic = wantAtomic && !refusal;
  const id = 'create-snapshot';
  return (
    <form
      class="create-snapshot"
      aria-labelledby={`${id}-heading`}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        setCreated('');
        try {
          const creating = domain.snapshotCreateXML(xml, baseFlags | (atomic ? Create.Atomic : 0));
          // Sent: the page's job view asks about the job it started (after this call on the same socket).
          onStarted?.();
          const snapshot = await creating;
          setCreated(`Snapshot ${snapshot.name} created${atomic ? ' atomically' : ''}.`);
          setName('');
          setDescription('');
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
          onCreated();
        }
      }}
    >
      <h4 id={`${id}-heading`}>Take a snapshot</h4>
      <label for={`${id}-name`}>Name</label>
      <input id={`${id}-name`} type="text" maxLength={200} placeholder="(the daemon picks one)" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for={`${id}-description`}>Description</label>
      <input id={`${id}-description`} type="text" maxLength={1000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      <fieldset>
        <legend>What to save</legend>
        <label>
          <input
            type="radio"
            name={`${id}-scope`}
            checked={scope === 'full'}
            onChange={() => {
              setScope('full');
              setChoices({});
            }}
          />{' '}
          disks and memory
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-scope`}
            checked={scope === 'disk-only'}
            onChange={() => {
              setScope('disk-only');
              setChoices({});
            }}
          />{' '}
          disks only (VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
        </label>
      </fieldset>
      {scope === 'full' ? (
        <fieldset>
          <legend>Memory</legend>
          <label for={`${id}-memory`}>Memory state</label>
          <select
            id={`${id}-memory`}
            value={memory}
            onChange={(e) => {
              setMemory(e.currentTarget.value as MemoryLocation);
              setChoices({});
            }}
          >
            <option value="internal">in the disk images (internal)</option>
            <option value="external">in a file of its own (external)</option>
          </select>
          {externalMemory ? (
            <>
              <input
                type="text"
                required
                aria-label="Memory file"
                placeholder="memory file path"
                value={memoryFile}
                onInput={(e) => setMemoryFile(e.currentTarget.value)}
              />
              <label>
                <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live: the guest keeps running while its memory is
                saved (VIR_DOMAIN_SNAPSHOT_CREATE_LIVE)
              </label>
            </>
          ) : null}
        </fieldset>
      ) : null}
      {disks.length ? (
        <fieldset>
          <legend>Disks</legend>
          {disks.map((d) => (
            <div class="disk-choice" key={d.target}>
              <label for={`${id}-disk-${d.target}`}>{d.target}</label>
              <select
                id={`${id}-disk-${d.target}`}
                value={choiceOf(d.target)}
                onChange={(e) => setChoices({ ...choices, [d.target]: e.currentTarget.value as DiskChoice })}
              >
                {internalAllowed ? <option value="internal">internal</option> : null}
                <option value="external">external (new overlay)</option>
                <option value="no">not included</option>
              </select>
              {choiceOf(d.target) === 'external' ? (
                <input
                  type="text"
                  aria-label={`New image for ${d.target}`}
                  placeholder="new image path (the driver picks one)"
                  value={sources[d.target] ?? ''}
                  onInput={(e) => setSources({ ...sources, [d.target]: e.currentTarget.value })}
                />
              ) : null}
            </div>
          ))}
        </fieldset>
      ) : null}
      <div class="atomic">
        <label>
          <input
            id={`${id}-atomic`}
            type="checkbox"
            checked={atomic}
            disabled={refusal !== undefined}
            aria-describedby={refusal ? `${id}-atomic-reason` : undefined}
            onChange={(e) => setWantAtomic(e.currentTarget.checked)}
          />{' '}
          Atomic: every disk changes, or none does (VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)
        </label>
        {refusal ? (
          <p id={`${id}-atomic-reason`} class="atomic-reason">
            Not available for this request: {refusal.message} (error {refusal.code})
          </p>
        ) : null}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create snapshot'}
      </button>
      <ErrorView error={error} title="Snapshot failed" />
      {created ? (
        <p role="status" class="done">
          {created}
        </p>
      ) : null}
    </form>
  );
}
