// Shared by the domain-check tests: a minimal test-driver domain around some devices, and the error (or none) parsing it gives.
import { DomainDefinition, TEST_DRIVER_DEFAULTS } from '../../src/xml.js';

/** A test-driver domain with these devices (and `extra` top-level elements after `<os>`). */
export const domain = (devices: string, extra = '', os = '<os><type>hvm</type></os>') =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory>${os}${extra}<devices>${devices}</devices></domain>`;

/** `[code, domain, message]` of the error parsing `xml` with the test driver's defaults gives, or 'ok'. */
export function defineError(xml: string): [number, number, string] | 'ok' {
  try {
    DomainDefinition.parse(xml, { defaults: TEST_DRIVER_DEFAULTS });
    return 'ok';
  } catch (error) {
    const e = error as { code: number; domain: number; message: string };
    if (typeof e.code !== 'number') throw error;
    return [e.code, e.domain, e.message];
  }
}

/** The formatted definition of `xml` with the test driver's defaults. */
export const formattedDomain = (xml: string) => DomainDefinition.parse(xml, { defaults: TEST_DRIVER_DEFAULTS }).format({ secure: true });
