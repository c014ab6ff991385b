// The accepted shape of a piece of domain XML (elements, attributes, values): anything outside it is refused, never dropped.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElements, textOf, type XmlElement } from '@virtwire/protocol/xml';

/** What an attribute may hold: listed values, a pattern, or any value the model already checked. */
export type AttributeRule = readonly string[] | RegExp | 'any';

/** The accepted shape of one element: its attributes, its child elements (by name) and its text. */
export interface Shape {
  attributes?: Readonly<Record<string, AttributeRule>>;
  children?: Readonly<Record<string, Shape>>;
  /** Text the element may carry (default: none besides whitespace). */
  text?: RegExp | 'any';
  /** The content is not inspected here: opaque to the guest (`<metadata>`) or checked elsewhere (`<backingStore>`). */
  opaque?: true;
}

/** `VIR_ERR_CONFIG_UNSUPPORTED` in the qemu driver's domain: "unsupported configuration: ...". */
export const unsupported = (detail: string): VirError => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, detail);

/** Attributes whose values are secure data (the model's formatter filters them): never quoted in errors. */
const SECRET_ATTRIBUTES = new Set(['passwd']);

/** An element that must be empty. */
export const EMPTY: Shape = {};

/**
 * Checks `el` against `shape`; `path` names the element in the refusal (`devices/interface`).
 * Every attribute, value, child element and text outside the shape is refused with
 * VIR_ERR_CONFIG_UNSUPPORTED naming it.
 */
export function checkShape(el: XmlElement, shape: Shape, path: string): void {
  if (shape.opaque) return;
  for (const [name, value] of el.attributes) {
    const rule = shape.attributes?.[name];
    if (rule === undefined) throw unsupported(`attribute '${name}' of element <${path}> is not supported by the qemu driver`);
    if (!valueAllowed(rule, value)) {
      // a secret (graphics passwd) never appears in an error
      const shown = SECRET_ATTRIBUTES.has(name) ? 'the value' : `value '${value}'`;
      throw unsupported(`${shown} of attribute '${name}' of element <${path}> is not supported by the qemu driver`);
    }
  }
  const text = textOf(el).trim();
  if (text !== '' && !(shape.text === 'any' || (shape.text instanceof RegExp && shape.text.test(text)))) {
    throw unsupported(`the text of element <${path}> is not supported by the qemu driver`);
  }
  for (const child of childElements(el)) {
    const childShape = shape.children?.[child.name];
    if (childShape === undefined) throw unsupported(`element <${path}/${child.name}> is not supported by the qemu driver`);
    checkShape(child, childShape, `${path}/${child.name}`);
  }
}

function valueAllowed(rule: AttributeRule, value: string): boolean {
  if (rule === 'any') return true;
  if (rule instanceof RegExp) return rule.test(value);
  return rule.includes(value);
}
