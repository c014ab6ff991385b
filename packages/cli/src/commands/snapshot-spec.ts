// Builds snapshot-create-as's <domainsnapshot> XML from its arguments, byte for byte as virsh builds it.
import { escapeXml } from '../format/xml-escape.js';
import { CommandError } from '../shell/shell-errors.js';

/** What snapshot-create-as was given. */
export interface SnapshotSpec {
  name?: string | undefined;
  description?: string | undefined;
  /** `--memspec [file=]PATH[,snapshot=TYPE]`. */
  memspec?: string | undefined;
  /** Each `--diskspec DISK[,snapshot=TYPE][,driver=FMT][,stype=file|block][,file=PATH]`, in order. */
  diskspecs?: readonly string[] | undefined;
}

/** `vshStringToArray`: splits at `,`, with `,,` as a literal comma; an empty string has no fields. */
export function splitSpec(text: string): string[] {
  if (text === '') return [];
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        field += ',';
        i++;
        continue;
      }
      fields.push(field);
      field = '';
      continue;
    }
    field += text[i];
  }
  fields.push(field);
  return fields;
}

/** Takes `key=value` fields, each key at most once, in any order. */
function takeKeys(
  fields: readonly string[],
  keys: readonly string[],
  fallback?: (field: string, values: Map<string, string>) => boolean,
): Map<string, string> | undefined {
  const values = new Map<string, string>();
  for (const field of fields) {
    const key = keys.find((k) => field.startsWith(`${k}=`) && !values.has(k));
    if (key !== undefined) values.set(key, field.slice(key.length + 1));
    else if (!fallback?.(field, values)) return undefined;
  }
  return values;
}

/** `<memory snapshot='TYPE' file='PATH'/>`, or `unable to parse memspec: TEXT`. */
export function memoryElement(memspec: string): string {
  const values = takeKeys(splitSpec(memspec), ['snapshot', 'file'], (field, found) => {
    if (found.has('file') || !field.startsWith('/')) return false;
    found.set('file', field);
    return true;
  });
  if (!values) throw new CommandError(`unable to parse memspec: ${memspec}`);
  const snapshot = values.get('snapshot');
  const file = values.get('file');
  return `<memory${snapshot === undefined ? '' : ` snapshot='${escapeXml(snapshot)}'`}${file === undefined ? '' : ` file='${escapeXml(file)}'`}/>\n`;
}

/**
 * One `<disk>` of a diskspec, indented by `indent`, as virsh writes it: the name, source path and
 * memory file escaped, `snapshot` and `driver` copied as given (virsh does not escape them).
 */
export function diskElement(diskspec: string, indent: string): string {
  const [name, ...fields] = splitSpec(diskspec);
  const values = takeKeys(fields, ['snapshot', 'driver', 'stype', 'file']);
  if (!values) throw new CommandError(`unable to parse diskspec: ${diskspec}`);
  const stype = values.get('stype');
  if (stype !== undefined && stype !== 'file' && stype !== 'block') {
    throw new CommandError(`unable to parse diskspec: ${diskspec}`, [`Unknown storage type: '${stype}'`]);
  }
  const snapshot = values.get('snapshot');
  const driver = values.get('driver');
  const file = values.get('file');
  let open = `${indent}${name === undefined ? '' : `<disk name='${escapeXml(name)}'`}`;
  if (snapshot !== undefined) open += ` snapshot='${snapshot}'`;
  if (stype !== undefined) open += ` type='${stype}'`;
  if (driver === undefined && file === undefined) return `${open}/>\n`;
  let out = `${open}>\n`;
  if (driver !== undefined) out += `${indent}  <driver type='${driver}'/>\n`;
  if (file !== undefined) out += `${indent}  <source ${stype === 'block' ? 'dev' : 'file'}='${escapeXml(file)}'/>\n`;
  return `${out}${indent}</disk>\n`;
}

/** The `<domainsnapshot>` document snapshot-create-as sends (and prints with `--print-xml`). */
export function buildSnapshotXml(spec: SnapshotSpec): string {
  let xml = '<domainsnapshot>\n';
  if (spec.name !== undefined) xml += `  <name>${escapeXml(spec.name)}</name>\n`;
  if (spec.description !== undefined) xml += `  <description>${escapeXml(spec.description)}</description>\n`;
  if (spec.memspec !== undefined) xml += `  ${memoryElement(spec.memspec)}`;
  if (spec.diskspecs !== undefined && spec.diskspecs.length > 0) {
    xml += '  <disks>\n';
    for (const diskspec of spec.diskspecs) xml += diskElement(diskspec, '    ');
    xml += '  </disks>\n';
  }
  return `${xml}</domainsnapshot>\n`;
}
