// `<seclabel>`s as libvirt 9.0 reads them for a definition and writes them: a device's overrides (disk and character device sources) and the domain's own labels.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, element, textOf, type XmlElement, type XmlNode } from '../xml-tree.js';
import { enumAttribute } from './xml-enum.js';

const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/**
 * virSecurityDeviceLabelDefParseXML for an inactive definition, then virSecurityDeviceLabelDefFormat
 * for an inactive domain: one override per model; relabel yes (the default) or no; a label only when
 * relabelling; labelskip not read; an override that relabels without a label is not written.
 * Returns `children` with each `<seclabel>` so rewritten (or left out), the others unchanged.
 */
export function canonicalDeviceSeclabels(children: readonly XmlNode[]): XmlNode[] {
  const models: (string | undefined)[] = [];
  const out: XmlNode[] = [];
  for (const child of children) {
    if (typeof child === 'string' || child.name !== 'seclabel') {
      out.push(child);
      continue;
    }
    const model = child.attributes.get('model');
    if (model !== undefined && models.includes(model)) {
      throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, `seclabel for model ${model} is already provided`);
    }
    models.push(model);
    const relabel = (enumAttribute(child, 'relabel', YES_NO) ?? 'yes') === 'yes';
    const labelEl = childElement(child, 'label');
    const label = labelEl ? textOf(labelEl) : undefined;
    const hasLabel = label !== undefined && label !== '';
    if (hasLabel && !relabel) {
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `Cannot specify a label if relabelling is turned off. model=${model ?? '<null>'}`);
    }
    if (!hasLabel && relabel) continue;
    out.push(element('seclabel', { model, relabel: relabel ? 'yes' : 'no' }, hasLabel ? [element('label', {}, [label])] : []));
  }
  return out;
}

/** virDomainSeclabelType without `default`, which a definition may not name. */
const SECLABEL_TYPES: ReadonlySet<string> = new Set(['none', 'dynamic', 'static']);
/** VIR_SECURITY_MODEL_BUFLEN and VIR_SECURITY_LABEL_BUFLEN, less their terminating NUL. */
const MODEL_MAX = 256;
const LABEL_MAX = 4096;

/**
 * virSecurityLabelDefParseXML then virSecurityLabelDefFormat for one domain `<seclabel>`: without a
 * type it counts (as `default`) but is not written; relabel no by default for a static or `none`
 * label, yes otherwise; model `none`
 * makes the type `none` (for an inactive definition); a static label must have its `<label>`, a
 * dynamic one may have a `<baselabel>`. A running domain's (`live`) keeps the `<label>` and (when
 * relabelling) `<imagelabel>` it has; libvirt's security drivers fill them in and require them
 * there, virtwire's drivers assign none, so they are not required.
 * Written type, model, relabel, then label, imagelabel and baselabel.
 */
function canonicalDomainSeclabel(el: XmlElement, live: boolean): XmlElement {
  const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
  const given = el.attributes.get('model');
  const model = given !== undefined && given.length <= MODEL_MAX ? given : undefined;
  // virXMLPropEnum leaves an absent type at its zero, `default`, which the formatter skips.
  let type = enumAttribute(el, 'type', SECLABEL_TYPES) ?? 'default';
  const relabelGiven = enumAttribute(el, 'relabel', YES_NO);
  let relabel = relabelGiven === undefined ? type !== 'static' && type !== 'none' : relabelGiven === 'yes';
  if (type === 'dynamic' && !relabel) throw unsupported('dynamic label type must use resource relabeling');
  if (type === 'none' && relabel) throw unsupported("resource relabeling is not compatible with 'none' label type");
  const text = (name: string) => {
    const child = childElement(el, name);
    const value = child ? textOf(child) : '';
    return value === '' ? undefined : value;
  };
  const children: XmlElement[] = [];
  if (model === 'none') {
    if (!live) {
      type = 'none';
      relabel = false;
    } else if (type !== 'none') {
      throw unsupported(`unsupported type='${type}' to model 'none'`);
    }
  } else {
    const label = text('label');
    if (type === 'static' && (label === undefined || label.length > LABEL_MAX)) {
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'security label is missing');
    }
    if (label !== undefined && (type === 'static' || (live && type !== 'none'))) children.push(element('label', {}, [label]));
    const imagelabel = text('imagelabel');
    if (imagelabel !== undefined && relabel && live && type !== 'none') children.push(element('imagelabel', {}, [imagelabel]));
    const baselabel = type === 'dynamic' ? text('baselabel') : undefined;
    if (baselabel !== undefined && baselabel.length <= LABEL_MAX) children.push(element('baselabel', {}, [baselabel]));
  }
  return element('seclabel', { type, model, relabel: type === 'none' ? undefined : relabel ? 'yes' : 'no' }, type === 'none' ? [] : children);
}

/**
 * virSecurityLabelDefsParseXML across the domain's `<seclabel>`s (before its devices are read):
 * each read as {@link canonicalDomainSeclabel} reads it, one per model (two without a model count as
 * the same), and every one names its model when there are several. Gives those libvirt writes, as it writes them.
 */
export function canonicalDomainSeclabels(seclabels: readonly XmlElement[], live: boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const models: (string | undefined)[] = [];
  for (const seclabel of seclabels) {
    const shown = canonicalDomainSeclabel(seclabel, live);
    const model = shown.attributes.get('model');
    if (models.includes(model)) throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, `seclabel for model ${model ?? '(null)'} is already provided`);
    models.push(model);
    if (shown.attributes.get('type') !== 'default') out.push(shown);
  }
  if (models.length > 1 && models.includes(undefined)) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'missing security model when using multiple labels');
  }
  return out;
}
